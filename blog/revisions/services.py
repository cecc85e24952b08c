"""Keeping, comparing and restoring revisions of published posts."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import delete, select

from blog.extensions import db
from blog.models import Post, PostRevision, PostStatus, User

REVISIONS_KEEP = 50


@dataclass(frozen=True, slots=True)
class DiffLine:
    kind: str  # "add", "del", "hunk" or "same"
    text: str


def keep_revision(post: Post, by: User | None) -> PostRevision | None:
    """Record what a save made of a published ``post`` (in the caller's transaction); thin to the newest
    ``REVISIONS_KEEP``."""
    if post.status != PostStatus.PUBLISHED:
        return None
    revision = PostRevision(
        post_id=post.id,
        title=post.title,
        body=post.body,
        tags=",".join(tag.name for tag in post.tags),
        author_id=by.id if by else None,
    )
    db.session.add(revision)
    db.session.flush()
    keep = current_app.config.get("REVISIONS_KEEP", REVISIONS_KEEP)
    newest = (
        select(PostRevision.id)
        .where(PostRevision.post_id == post.id)
        .order_by(PostRevision.id.desc())
        .limit(keep)
        .scalar_subquery()
    )
    db.session.execute(delete(PostRevision).where(PostRevision.post_id == post.id, PostRevision.id.not_in(newest)))
    return revision


def revisions_of(post: Post) -> list[PostRevision]:
    """The post's revisions, newest first, with who made them."""
    return list(
        db.session.execute(
            select(PostRevision).where(PostRevision.post_id == post.id).order_by(PostRevision.id.desc())
        ).scalars()
    )


def revision_of(post: Post, revision_id: int) -> PostRevision | None:
    """Revision ``revision_id`` if it belongs to ``post``."""
    revision = db.session.get(PostRevision, revision_id)
    return revision if revision is not None and revision.post_id == post.id else None


def _as_lines(revision: PostRevision) -> list[str]:
    return [f"Title: {revision.title}", f"Tags: {', '.join(revision.tag_names)}", "", *revision.body.splitlines()]


def diff(old: PostRevision, new: PostRevision) -> list[DiffLine]:
    """The unified diff from ``old`` to ``new`` (title, tags and text), line by line."""
    lines = difflib.unified_diff(_as_lines(old), _as_lines(new), f"#{old.id}", f"#{new.id}", lineterm="", n=3)
    result = []
    for line in list(lines)[2:]:  # the two file headers say what the page's heading says
        kind = {"+": "add", "-": "del", "@": "hunk"}.get(line[:1], "same")
        result.append(DiffLine(kind, line))
    return result
