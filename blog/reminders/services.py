"""Setting, listing and canceling reminders, and what their e-mail shows."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, update

from blog.extensions import db
from blog.mail.kinds import DoNotSend
from blog.mail.messages import one_line, post_url
from blog.models import OutboxMessage, Post, Reminder, User, utcnow
from blog.reminders.events import mail_key

CHOICES = {"1h": timedelta(hours=1), "tomorrow": timedelta(days=1), "week": timedelta(weeks=1)}


class ReminderError(ValueError):
    """The reminder cannot be set; the message says why."""


def remind_at_for(choice: str, at: datetime | None, now: datetime | None = None) -> datetime:
    """Return the time for a form choice ("1h", "tomorrow", "week" or "custom" with ``at``)."""
    now = now or utcnow()
    if choice in CHOICES:
        return now + CHOICES[choice]
    if choice != "custom" or at is None:
        raise ReminderError("Choose when to be reminded.")
    if at <= now:
        raise ReminderError("Choose a time in the future.")
    return at


def may_remind(user: User, post: Post) -> bool:
    """Readers may be reminded of public posts; authors also of their own drafts and scheduled posts."""
    return post.is_public or post.author_id == user.id


def set_reminder(user: User, post: Post | None, remind_at: datetime, text: str = "") -> Reminder:
    """Create a reminder; its e-mail is queued in the same transaction and sent at ``remind_at``."""
    if post is not None and not may_remind(user, post):
        raise ReminderError("You can only be reminded of published posts or your own drafts.")
    if remind_at <= utcnow():
        raise ReminderError("Choose a time in the future.")
    if pending_count(user) >= current_app.config["REMINDERS_PENDING_MAX"]:
        raise ReminderError(
            f"You have {current_app.config['REMINDERS_PENDING_MAX']} reminders waiting already; "
            "cancel one or wait until one is sent."
        )
    reminder = Reminder(
        user_id=user.id, post_id=post.id if post else None, text=text.strip()[:500], remind_at=remind_at
    )
    db.session.add(reminder)
    db.session.commit()
    return reminder


def pending_count(user: User) -> int:
    """How many of the user's reminders wait to be sent."""
    query = db.select(func.count()).where(
        Reminder.user_id == user.id, Reminder.sent_at.is_(None), Reminder.canceled_at.is_(None)
    )
    return int(db.session.execute(query).scalar_one())


def cancel_reminder(user: User, reminder_id: int) -> bool:
    """Cancel the user's unsent reminder and its queued mail; return False if there was none."""
    reminder = db.session.get(Reminder, reminder_id)
    if reminder is None or reminder.user_id != user.id or reminder.sent_at or reminder.canceled_at:
        return False
    reminder.canceled_at = utcnow()
    OutboxMessage.cancel_pending(db.session, mail_key(reminder.id), "canceled by the user")
    db.session.commit()
    return True


def reminders_of(user: User) -> list[Reminder]:
    """The user's reminders, the next due first."""
    query = db.select(Reminder).where(Reminder.user_id == user.id).order_by(Reminder.remind_at)
    return list(db.session.execute(query).scalars())


def mark_reminder_sent(message: OutboxMessage) -> None:
    """Once its mail is sent, the reminder shows as sent."""
    db.session.execute(
        update(Reminder).where(Reminder.id == message.payload.get("reminder_id")).values(sent_at=utcnow())
    )


def reminder_context(payload: dict) -> dict:
    """The reminder's note and post as they are when the mail is sent.

    A post that readers may no longer see (made a draft, or scheduled again) is not mailed to anyone
    but its author: its title and address may be confidential now.
    """
    reminder = db.session.get(Reminder, payload.get("reminder_id"))
    post = reminder.post if reminder else None
    if post is not None and not may_remind(reminder.user, post):
        raise DoNotSend("the post is no longer public")
    context = {
        "note": reminder.text if reminder else "",
        "post_title": post.title if post else None,
        "post_url": post_url(post.slug) if post else None,
    }
    if post is not None:
        context["subject"] = one_line(f"Reminder: {post.title}")
    return context
