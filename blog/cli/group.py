"""The ``manage.py`` group: Flask's, plus one clear line when the schema is missing."""

from __future__ import annotations

import click
from flask.cli import FlaskGroup
from sqlalchemy.exc import DBAPIError

from blog.database import schema_missing

NO_SCHEMA = "the database has no tables yet; create them first with: python manage.py db upgrade"


class BlogGroup(FlaskGroup):
    """A ``FlaskGroup`` whose commands refuse with one line, not a traceback, before ``db upgrade``."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except DBAPIError as error:
            if not schema_missing(error):
                raise
            raise click.ClickException(NO_SCHEMA) from None
