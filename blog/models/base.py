"""``Model``, the base class of every model: ``db.Model``, spelt so that mypy can follow it.

Flask-SQLAlchemy builds ``db.Model`` at run time, and mypy cannot use an attribute
as a base class ("Name db.Model is not defined"). At run time ``Model`` *is*
``db.Model``; for the type checker it is the declarative base it is built from.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from blog.extensions import db

if TYPE_CHECKING:
    from flask_sqlalchemy.model import Model as _FlaskModel

    from blog.extensions import Base

    class Model(_FlaskModel, Base):
        """What ``db.Model`` is at run time: ``Base`` with Flask-SQLAlchemy's model mixin."""

        __abstract__ = True

else:
    Model = db.Model
