"""Mapper events of reminders: a new reminder queues its e-mail for ``remind_at`` in the same transaction."""

from __future__ import annotations

from sqlalchemy import event, select
from sqlalchemy.orm import object_session

from blog.mail.queue import queue_mail
from blog.models import Reminder, User

KIND = "reminder"


def mail_key(reminder_id: int) -> str:
    """The outbox key of a reminder's mail: one mail per reminder."""
    return f"reminder:{reminder_id}"


def listen() -> None:
    """A new ``Reminder`` row queues its mail for ``remind_at`` (once per process: mapper events are global)."""
    if not event.contains(Reminder, "after_insert", queue_reminder_mail):
        event.listen(Reminder, "after_insert", queue_reminder_mail)


def queue_reminder_mail(_mapper, connection, reminder: Reminder) -> None:
    """Queue the reminder for ``remind_at``; the outbox hands it to Celery only when it is near."""
    user = connection.execute(
        select(User.email, User.display_name, User.username, User.email_verified_at).where(User.id == reminder.user_id)
    ).one()
    if user.email_verified_at is None:
        return  # an unconfirmed address may belong to someone else
    queue_mail(
        object_session(reminder),
        connection=connection,
        key=mail_key(reminder.id),
        kind=KIND,
        recipient=user.email,
        due_at=reminder.remind_at,
        payload={
            "subject": "A reminder from the blog",
            "name": user.display_name or user.username,
            "reminder_id": reminder.id,
        },
    )
