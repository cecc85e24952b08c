"""Rows behind the background jobs: reminders, the e-mail outbox, and job bookkeeping."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import JSON, ColumnElement, CursorResult, ForeignKey, Index, String, Text, or_, update
from sqlalchemy.orm import Mapped, mapped_column, object_session, relationship
from sqlalchemy.orm.attributes import set_committed_value

from blog.models.base import Model
from blog.models.content import Post
from blog.models.states import OutboxStatus, state_column
from blog.models.types import UTCDateTime, utcnow
from blog.models.user import User

OUTBOX_STATUSES = tuple(OutboxStatus)
log = logging.getLogger(__name__)


class Reminder(Model):
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


class OutboxMessage(Model):
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
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[OutboxStatus] = mapped_column(state_column(OutboxStatus, 10), default=OutboxStatus.PENDING)
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

    # Transitions of a claimed row. A worker holds a row while ``locked_until``
    # is the lease it wrote; every transition below is fenced by that value, so
    # a worker whose lease ran out (the row may have been claimed again since)
    # changes nothing. Each returns whether the row was still held.

    def mark_sent(self) -> bool:
        """The server took the message."""
        return self._fenced({"status": OutboxStatus.SENT, "locked_until": None, "sent_at": utcnow()})

    def fail(self, error: str) -> bool:
        """Give up for good: the server refused it or its tries are spent."""
        return self._fenced({"status": OutboxStatus.FAILED, "locked_until": None, "last_error": error})

    def cancel(self, reason: str) -> bool:
        """Do not send it (the address refuses mail, the user canceled)."""
        return self._fenced({"status": OutboxStatus.CANCELED, "locked_until": None, "last_error": reason})

    def release(self, error: str, retry_in: float = 0.0, handed: bool = True) -> bool:
        """Let go of the row; it may be taken again in ``retry_in`` seconds.

        ``handed``: a retry task is on its way, so the sweep leaves the row alone
        until it is late; otherwise the sweep hands it over when it is due.
        """
        now = utcnow()
        due = max(self.due_at, now + timedelta(seconds=retry_in))
        return self._fenced(
            {"locked_until": None, "last_error": error, "due_at": due, "dispatched_at": now if handed else None}
        )

    @property
    def retryable(self) -> bool:
        """Whether an admin may queue the row again (it failed or was canceled)."""
        return self.status in OutboxStatus.finished()

    def retry_now(self) -> bool:
        """Queue a failed or canceled row again at once, with fresh tries; False if it is not finished."""
        if not self.retryable:
            return False
        self.status, self.attempts, self.locked_until = OutboxStatus.PENDING, 0, None
        self.due_at, self.dispatched_at = utcnow(), None
        return True

    @classmethod
    def cancel_pending(cls, session: Any, key: str, reason: str) -> int:
        """Cancel the unsent row ``key`` (if any) in the caller's transaction; return how many changed."""
        statement = (
            update(cls)
            .where(cls.key == key, cls.status == OutboxStatus.PENDING)
            .values(status=OutboxStatus.CANCELED, last_error=reason)
        )
        changed: int = session.execute(statement).rowcount
        return changed

    @classmethod
    def free_to_send(cls, now: datetime) -> tuple[ColumnElement[bool], ...]:
        """Conditions of a row that a worker may claim at ``now``: pending, due, held by nobody."""
        return (
            cls.status == OutboxStatus.PENDING,
            cls.due_at <= now,
            or_(cls.locked_until.is_(None), cls.locked_until < now),
        )

    def _fenced(self, values: dict[str, Any]) -> bool:
        session = object_session(self)
        assert session is not None, "a transition needs a row loaded in a session"
        held = cast(
            CursorResult[Any],
            session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == self.id, OutboxMessage.locked_until == self.locked_until)
                .values(**values)
            ),
        ).rowcount
        if not held:
            log.error(
                "outbox row %s (%s) was gone or its lease ran out before it was marked %s; "
                "if this repeats, raise JOBS_LEASE_SECONDS",
                self.id,
                self.key,
                values.get("status", "released"),
            )
        for name, value in values.items():
            set_committed_value(self, name, value)
        return bool(held)


class SuppressedAddress(Model):
    """An address that refused mail for good (a 5xx reply); later mail skips it."""

    __tablename__ = "suppressed_addresses"

    email: Mapped[str] = mapped_column(String(320), primary_key=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Announcement(Model):
    """A message an admin (or the push API) sends to many recipients through the outbox."""

    __tablename__ = "announcements"

    id: Mapped[int] = mapped_column(primary_key=True)
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    audience: Mapped[str] = mapped_column(String(40), default="subscribers")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    total: Mapped[int] = mapped_column(default=0)


class JobHeartbeat(Model):
    """When a periodic job (or beat itself) last ran, for ``manage.py check`` and the admin."""

    __tablename__ = "job_heartbeats"

    name: Mapped[str] = mapped_column(String(80), primary_key=True)
    last_run_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    detail: Mapped[str] = mapped_column(Text, default="")
