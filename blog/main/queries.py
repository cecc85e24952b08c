"""Read-side queries for the public pages, each a fixed number of SQL statements."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func
from sqlalchemy.orm import joinedload, selectinload

from blog.extensions import db
from blog.models import Comment, Post, utcnow

PAGE_SIZE = 10


@dataclass
class PostPage:
    posts: list[Post]
    comment_counts: dict[int, int]
    page: int
    has_next: bool


def published_posts():
    """A select of the posts every reader may see."""
    return db.select(Post).where(Post.status == "published", Post.publish_at <= utcnow())


def home_page(page: int = 1) -> PostPage:
    """The home page's posts with their authors, tags and comment counts."""
    query = (
        published_posts()
        .options(joinedload(Post.author), selectinload(Post.tags))
        .order_by(Post.publish_at.desc(), Post.id.desc())
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE + 1)
    )
    posts = list(db.session.execute(query).unique().scalars())
    has_next = len(posts) > PAGE_SIZE
    posts = posts[:PAGE_SIZE]
    return PostPage(posts, comment_counts([p.id for p in posts]), page, has_next)


def comment_counts(post_ids: list[int]) -> dict[int, int]:
    """Visible comments per post, in one query."""
    if not post_ids:
        return {}
    rows = db.session.execute(
        db.select(Comment.post_id, func.count())
        .where(Comment.post_id.in_(post_ids), Comment.status == "visible")
        .group_by(Comment.post_id)
    )
    return {post_id: count for post_id, count in rows}
