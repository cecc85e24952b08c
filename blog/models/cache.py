"""The page cache's generation counter, shared by every web process through the database."""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from blog.models.base import Model


class CacheGeneration(Model):
    """A counter bumped by every write that changes what readers see.

    Cached pages are keyed by its value, so one cheap read tells every worker
    on every node whether what it cached is still current.
    """

    __tablename__ = "cache_generations"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int] = mapped_column(default=0)
