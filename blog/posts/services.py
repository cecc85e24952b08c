"""Multi-step writes on posts."""

from __future__ import annotations

from sqlalchemy import update

from blog.extensions import db
from blog.models import Post, utcnow


def publish_due_posts() -> int:
    """Publish scheduled posts whose time has passed; return how many changed."""
    # One conditional update: two sweeps at once cannot publish a post twice.
    changed = db.session.execute(
        update(Post)
        .where(Post.status == "scheduled", Post.publish_at <= utcnow())
        .values(status="published")
    ).rowcount
    db.session.commit()
    return changed


def publish_if_due(post_id: int) -> bool:
    """Publish the scheduled post ``post_id`` if its time has come; return whether it changed."""
    changed = db.session.execute(
        update(Post)
        .where(Post.id == post_id, Post.status == "scheduled", Post.publish_at <= utcnow())
        .values(status="published")
    ).rowcount
    db.session.commit()
    return bool(changed)
