"""Mapper events of accounts: a new user is queued a welcome e-mail in its own transaction."""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.orm import object_session

from blog.mail.queue import queue_mail
from blog.models import User

WELCOME_KIND = "welcome"


def listen() -> None:
    """A new ``User`` row queues the welcome mail (once per process: mapper events are global)."""
    if not event.contains(User, "after_insert", queue_welcome_mail):
        event.listen(User, "after_insert", queue_welcome_mail)


def queue_welcome_mail(_mapper, connection, user: User) -> None:
    """Queue the welcome e-mail on the inserting connection; the commit sends it, a rollback drops it."""
    queue_mail(
        object_session(user),
        connection=connection,
        key=f"welcome:{user.id}",
        kind=WELCOME_KIND,
        recipient=user.email,
        payload={"subject": "Welcome to the blog", "name": user.display_name or user.username},
    )
