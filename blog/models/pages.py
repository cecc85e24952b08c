"""Static pages (About, Contact…): Markdown like posts, outside the stream of posts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from blog.models.base import Model
from blog.models.types import UTCDateTime, utcnow

PAGE_SLUG_MAX = 80


class Page(Model):
    """A page at ``/p/<slug>``, shown in the navigation by ``nav_order`` when ``in_nav``."""

    __tablename__ = "pages"
    __table_args__ = (Index("ix_pages_in_nav_nav_order", "in_nav", "nav_order"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(PAGE_SLUG_MAX), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")
    nav_order: Mapped[int] = mapped_column(default=0)
    in_nav: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    def __repr__(self) -> str:
        return f"<Page {self.slug}>"

    def set_body(self, markdown_text: str) -> None:
        """Store the Markdown body with its sanitised HTML."""
        from blog.markdown import render_markdown

        self.body = markdown_text
        self.body_html = render_markdown(markdown_text)
