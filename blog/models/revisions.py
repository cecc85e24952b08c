"""Revisions of published posts: what each save made of the title, text and tags, by whom and when."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from blog.models.base import Model
from blog.models.types import UTCDateTime, utcnow
from blog.models.user import User


class PostRevision(Model):
    __tablename__ = "post_revisions"
    # A post's revisions newest first, and the thinning of the oldest.
    __table_args__ = (Index("ix_post_revisions_post_id_id", "post_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    tags: Mapped[str] = mapped_column(String(500), default="")  # the tag names, comma separated
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[User | None] = relationship()

    @property
    def tag_names(self) -> list[str]:
        return [name for name in self.tags.split(",") if name]
