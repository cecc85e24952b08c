"""Mapper events: a new comment queues a notice to the post's author in the same transaction."""

from __future__ import annotations

from sqlalchemy import event, select
from sqlalchemy.orm import aliased, object_session

from blog.mail.queue import queue_mail
from blog.models import Comment, Post, User

KIND = "comment"


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
    queue_mail(
        object_session(comment),
        connection=connection,
        key=f"comment:{comment.id}",
        kind=KIND,
        recipient=row.email,
        payload={
            "name": row.display_name or row.username,
            "comment_id": comment.id,
            "commenter": row.commenter_display or row.commenter_username,
        },
    )
