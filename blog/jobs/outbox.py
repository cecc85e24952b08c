"""The e-mail outbox: mail is queued in the writer's transaction and sent after its commit.

* ``queue_mail`` inserts an outbox row on the caller's connection, so that a
  rolled-back transaction leaves no mail behind; it is safe inside mapper
  events such as ``after_insert``.
* After the commit, ``_dispatch_after_commit`` hands the new rows that are due
  soon to Celery. If the broker is down nothing is lost: ``sweep_due`` (run
  by beat) hands over every due row that nobody has sent.
* ``deliver`` claims a row with a conditional update before sending and marks
  it sent after, so a redelivered task does not send the same mail twice.
"""

from __future__ import annotations

import logging
import random
import smtplib
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import event, or_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from blog.extensions import db
from blog.models import OutboxMessage, SuppressedAddress, utcnow

log = logging.getLogger(__name__)

_PENDING = "outbox_pending"  # key in Session.info: rows queued in this transaction
_TASKS = "after_commit_tasks"  # key in Session.info: tasks to enqueue once committed
#: Rows due within this window go to the broker with an ETA; later ones wait in the database.
NEAR_FUTURE = timedelta(minutes=5)
#: A handed-over row that is this late is handed over again (its task was lost).
REDISPATCH_AFTER = timedelta(minutes=2)
#: How long a worker may hold a row while it talks to the SMTP server.
LEASE = timedelta(minutes=2)


class PermanentFailure(Exception):
    """The server refused the recipient for good (a 5xx reply)."""


def queue_mail(session: Session, *, key: str, kind: str, recipient: str, payload: dict,
               due_at: datetime | None = None, batch_id: int | None = None, connection=None) -> int | None:
    """Queue one e-mail in the current transaction; return its id, or None if ``key`` was queued before.

    Pass ``connection`` from inside a mapper event (which must not use the session).
    """
    connection = connection if connection is not None else session.connection()
    now = utcnow()
    values = dict(key=key, kind=kind, recipient=recipient.strip().lower(), payload=payload,
                  status="pending", attempts=0, created_at=now, due_at=due_at or now, batch_id=batch_id)
    insert = (postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert)(OutboxMessage)
    statement = insert.values(**values).on_conflict_do_nothing(index_elements=["key"]).returning(OutboxMessage.id)
    message_id = connection.execute(statement).scalar()
    if message_id is not None:
        session.info.setdefault(_PENDING, []).append((message_id, values["due_at"]))
    return message_id


def listen_for_commits() -> None:
    """Dispatch queued mail after every commit and forget it after every rollback (once per process)."""
    if not event.contains(Session, "after_commit", _dispatch_after_commit):
        event.listen(Session, "after_commit", _dispatch_after_commit)
        event.listen(Session, "after_rollback", _forget_after_rollback)


def enqueue_after_commit(session: Session, task, *args, eta: datetime | None = None) -> None:
    """Send ``task.apply_async(args, eta=eta)`` once the current transaction commits; never on rollback.

    Use it for work that a periodic sweep also covers (publishing due posts):
    a broker that is down at commit time is logged, not raised.
    """
    session.info.setdefault(_TASKS, []).append((task, args, eta))


def _forget_after_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)
    session.info.pop(_TASKS, None)


def _dispatch_after_commit(session: Session) -> None:
    for task, args, eta in session.info.pop(_TASKS, None) or ():
        try:
            task.apply_async(args=list(args), eta=eta, retry=False)
        except Exception as exc:  # the periodic sweep picks the work up later
            log.warning("broker unavailable, %s%r waits for the sweep: %s", task.name, args, exc)
    queued = session.info.pop(_PENDING, None)
    if not queued:
        return
    horizon = utcnow() + NEAR_FUTURE
    dispatch([(message_id, due) for message_id, due in queued if due <= horizon])


def dispatch(rows: list[tuple[int, datetime]]) -> int:
    """Hand ``(id, due_at)`` rows to the broker; return how many it took.

    A broker that is down is logged, not raised: the sweep retries later.
    """
    from blog.jobs.tasks import deliver_mail

    handed = []
    for message_id, due_at in rows:
        try:
            deliver_mail.apply_async(args=[message_id], eta=due_at if due_at > utcnow() else None, retry=False)
        except Exception as exc:  # kombu raises many kinds; all mean "not now"
            log.warning("broker unavailable, mail %s waits for the sweep: %s", message_id, exc)
            break
        handed.append(message_id)
    if handed:
        with db.engine.begin() as connection:
            connection.execute(
                update(OutboxMessage).where(OutboxMessage.id.in_(handed)).values(dispatched_at=utcnow())
            )
    return len(handed)


def sweep_due(limit: int = 500) -> int:
    """Hand over pending mail that is due soon and was never handed over, or was lost since."""
    now = utcnow()
    stale = now - REDISPATCH_AFTER
    query = (
        db.select(OutboxMessage.id, OutboxMessage.due_at)
        .where(
            OutboxMessage.status == "pending",
            OutboxMessage.due_at <= now + NEAR_FUTURE,
            or_(
                OutboxMessage.dispatched_at.is_(None),
                (OutboxMessage.dispatched_at < stale) & (OutboxMessage.due_at < stale),
            ),
            or_(OutboxMessage.locked_until.is_(None), OutboxMessage.locked_until < now),
        )
        .order_by(OutboxMessage.due_at)
        .limit(limit)
    )
    rows = [(row.id, row.due_at) for row in db.session.execute(query)]
    db.session.rollback()  # end the read transaction before talking to the broker
    return dispatch(rows)


def claim(message_id: int) -> OutboxMessage | None:
    """Take the row for sending if it is pending, due and not held by another worker."""
    now = utcnow()
    claimed = db.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.status == "pending",
            OutboxMessage.due_at <= now,
            or_(OutboxMessage.locked_until.is_(None), OutboxMessage.locked_until < now),
        )
        .values(locked_until=now + LEASE, attempts=OutboxMessage.attempts + 1)
    ).rowcount
    db.session.commit()
    return db.session.get(OutboxMessage, message_id) if claimed else None


def deliver(message_id: int) -> str:
    """Send one outbox row; return its new status. Transient errors propagate for a retry."""
    from blog.jobs.mailer import build_message, mail_connection

    message = claim(message_id)
    if message is None:
        return "skipped"
    max_attempts = current_app.config["MAIL_MAX_RETRIES"] + 1
    if message.attempts > max_attempts:
        return _finish(message, "failed", f"gave up after {message.attempts - 1} attempts: {message.last_error}")
    if db.session.get(SuppressedAddress, message.recipient):
        return _finish(message, "canceled", "address is on the suppression list")
    try:
        email = build_message(message.kind, message.recipient, message.payload)
        with mail_connection() as connection:
            connection.send(email)
    except smtplib.SMTPRecipientsRefused as exc:
        code, reason = next(iter(exc.recipients.values()))
        if code >= 500:
            db.session.merge(SuppressedAddress(email=message.recipient, reason=f"{code} {reason!r}"))
            return _finish(message, "failed", f"{code} {reason!r}")
        _release(message, f"{code} {reason!r}")
        raise
    except Exception as exc:
        _release(message, repr(exc))
        if message.attempts >= max_attempts:
            _finish(message, "failed", repr(exc))
            return "failed"
        raise
    return _finish(message, "sent", None)


def _finish(message: OutboxMessage, status: str, error: str | None) -> str:
    message.status = status
    message.locked_until = None
    if error is not None:
        message.last_error = error
    if status == "sent":
        message.sent_at = utcnow()
    db.session.commit()
    return status


def _release(message: OutboxMessage, error: str) -> None:
    message.locked_until = None
    message.last_error = error
    db.session.commit()


def retry_delay(attempt: int) -> float:
    """Seconds before retry ``attempt``: exponential backoff with full jitter, capped by config."""
    cap = current_app.config["MAIL_RETRY_BACKOFF_MAX"]
    return random.uniform(0, min(cap, 2 ** attempt))
