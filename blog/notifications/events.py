"""Mapper events: a new comment queues a notice to the post's author in the same transaction."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Connection, event, select, update
from sqlalchemy.orm import aliased, object_session

from blog.mail.queue import queue_mail
from blog.models import Comment, OutboxMessage, OutboxStatus, Post, User, utcnow

KIND = "comment"
#: A post's author gets at most one notice per window, listing the comments of that window.
BATCH_WINDOW = timedelta(minutes=10)


def listen() -> None:
    """A new ``Comment`` row queues a notice to the post's author (once per process: mapper events are global)."""
    if not event.contains(Comment, "after_insert", queue_comment_notice):
        event.listen(Comment, "after_insert", queue_comment_notice)


def queue_comment_notice(_mapper, connection, comment: Comment) -> None:
    """Queue the notice unless the author commented on their own post or turned notices off."""
    author, commenter = aliased(User), aliased(User)
    row = connection.execute(
        select(
            Post.author_id,
            author.email,
            author.display_name,
            author.username,
            author.notify_comments,
            author.email_verified_at,
            commenter.display_name.label("commenter_display"),
            commenter.username.label("commenter_username"),
        )
        .join(author, author.id == Post.author_id)
        .join(commenter, commenter.id == comment.author_id)
        .where(Post.id == comment.post_id)
    ).one_or_none()
    if row is None or row.author_id == comment.author_id or not row.notify_comments or row.email_verified_at is None:
        return
    payload = {"name": row.display_name or row.username, "post_id": comment.post_id, "comment_ids": [comment.id]}
    now = utcnow()
    # At most one notice per post and window: the first comment's goes out at once, later ones join the
    # next window's notice while no worker has touched it (the third window is a safety net).
    for window in (_window_of(now) + BATCH_WINDOW * n for n in range(3)):
        key = f"comment:{comment.post_id}:{window:%Y%m%d%H%M}"
        due_at = max(window, now)
        session = object_session(comment)
        if (
            queue_mail(
                session, connection=connection, key=key, kind=KIND, recipient=row.email, payload=payload, due_at=due_at
            )
            is not None
        ):
            return
        if _join_unsent_notice(connection, key, comment.id):
            return


def _window_of(moment: datetime) -> datetime:
    minutes = moment.minute - moment.minute % int(BATCH_WINDOW.total_seconds() // 60)
    return moment.replace(minute=minutes, second=0, microsecond=0)


def _join_unsent_notice(connection: Connection, key: str, comment_id: int) -> bool:
    """Add the comment to notice ``key`` if no worker has touched it yet; return whether it joined."""
    untouched = (
        OutboxMessage.key == key,
        OutboxMessage.status == OutboxStatus.PENDING,
        OutboxMessage.attempts == 0,
        OutboxMessage.locked_until.is_(None),
    )
    found = connection.execute(select(OutboxMessage.payload).where(*untouched).with_for_update()).first()
    if found is None:
        return False
    payload = dict(found.payload, comment_ids=[*found.payload.get("comment_ids", []), comment_id])
    return bool(connection.execute(update(OutboxMessage).where(*untouched).values(payload=payload)).rowcount)
