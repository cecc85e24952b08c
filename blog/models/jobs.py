"""Rows behind the background jobs: reminders, the e-mail outbox, and job bookkeeping."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from blog.extensions import db
from blog.models.content import Post
from blog.models.types import UTCDateTime, utcnow
from blog.models.user import User

OUTBOX_STATUSES = ("pending", "sent", "failed", "canceled")


class Reminder(db.Model):
    """A user asked to be e-mailed about a post (or a note of their own) at a time."""

    __tablename__ = "reminders"
    __table_args__ = (Index("ix_reminders_sent_at_remind_at", "sent_at", "remind_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text, default="")
    remind_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    canceled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()
    post: Mapped[Post | None] = relationship()


class OutboxMessage(db.Model):
    """One e-mail to one recipient, written in the transaction that caused it.

    The unique ``key`` (``welcome:42``, ``reminder:7``) makes queueing and
    sending idempotent: a retried event cannot queue a second copy and a
    redelivered task cannot send twice.
    """

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_status_due_at", "status", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    recipient: Mapped[str] = mapped_column(String(320))
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set when the row was last handed to the broker; the sweep re-hands rows
    # whose hand-over is old and unanswered.
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A worker holds the row while it talks to the SMTP server.
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("announcements.id", ondelete="SET NULL"), index=True)

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.key} {self.status}>"


class SuppressedAddress(db.Model):
    """An address that refused mail for good (a 5xx reply); later mail skips it."""

    __tablename__ = "suppressed_addresses"

    email: Mapped[str] = mapped_column(String(320), primary_key=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Announcement(db.Model):
    """A message an admin (or the push API) sends to many recipients through the outbox."""

    __tablename__ = "announcements"

    id: Mapped[int] = mapped_column(primary_key=True)
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    audience: Mapped[str] = mapped_column(String(40), default="subscribers")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    total: Mapped[int] = mapped_column(default=0)


class JobHeartbeat(db.Model):
    """When a periodic job (or beat itself) last ran, for ``manage.py check`` and the admin."""

    __tablename__ = "job_heartbeats"

    name: Mapped[str] = mapped_column(String(80), primary_key=True)
    last_run_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    detail: Mapped[str] = mapped_column(Text, default="")
