"""Read-side queries of the archive: months with their counts, and one month's posts.

Both read the ``(status, publish_at)`` index of the home page: the month list counts over it
without touching the table (a covering index), a month is one range of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import extract, func, select

from blog.extensions import db
from blog.main.queries import PostPage, is_published, list_posts
from blog.models import Post

YEAR_MIN, YEAR_MAX = 1970, 9999


@dataclass(frozen=True, slots=True)
class Month:
    year: int
    month: int
    posts: int

    @property
    def start(self) -> datetime:
        return datetime(self.year, self.month, 1, tzinfo=UTC)


def _utc(column):
    # PostgreSQL's timestamptz would be read in the session's time zone; the archive's months are UTC.
    return func.timezone("UTC", column) if db.engine.dialect.name == "postgresql" else column


def months() -> list[Month]:
    """Every month with published posts, newest first, with how many."""
    moment = _utc(Post.publish_at)
    year, month = extract("year", moment).label("year"), extract("month", moment).label("month")
    rows = db.session.execute(
        select(year, month, func.count().label("posts"))
        .where(is_published())
        .group_by(year, month)
        .order_by(year.desc(), month.desc())
    )
    return [Month(int(y), int(m), n) for y, m, n in rows]


def month_range(year: int, month: int) -> tuple[datetime, datetime] | None:
    """The first moment of the month and of the next (UTC), or None for a month that cannot be."""
    if not (YEAR_MIN <= year <= YEAR_MAX and 1 <= month <= 12):
        return None
    start = datetime(year, month, 1, tzinfo=UTC)
    end = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=UTC)
    return start, end


def month_page(start: datetime, end: datetime, page: int) -> PostPage:
    """Page ``page`` of the posts published in ``[start, end)``, newest first."""
    return list_posts("month", page, start=start, end=end)
