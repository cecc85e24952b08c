"""The e-mail outbox: mail is queued in the writer's transaction and sent after its commit.

* ``queue_mail`` inserts an outbox row on the caller's connection, so that a
  rolled-back transaction leaves no mail behind; it is safe inside mapper
  events such as ``after_insert``.
* After the commit, ``_dispatch_after_commit`` hands the new rows that are due
  soon to Celery (one task per row, or one per batch for bulk mail that shares
  an SMTP connection). If the broker is down nothing is lost: ``sweep_due``
  (run by beat) hands over every due row that nobody has sent.
* ``deliver`` and ``deliver_batch`` claim a row with a conditional update (a
  lease) before sending and mark it sent after, so a redelivered task does not
  send the same mail twice and a crashed worker's row is taken up again once
  its lease runs out.
"""

from __future__ import annotations

import logging
import os
import random
import smtplib
from collections.abc import Callable
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import event, or_, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from blog.extensions import db
from blog.models import OutboxMessage, SuppressedAddress, utcnow

log = logging.getLogger(__name__)

_PENDING = "outbox_pending"  # key in Session.info: rows queued in this transaction
_BATCHES = "outbox_batches"  # key in Session.info: lists of row ids to send over one connection
_TASKS = "after_commit_tasks"  # key in Session.info: tasks to enqueue once committed
#: Rows due within this window go to the broker with an ETA; later ones wait in the database.
NEAR_FUTURE = timedelta(minutes=5)
#: The kind that kills the worker process, for the poison-message test (needs JOBS_FAULT_INJECTION).
CRASH_KIND = "crash-worker"

#: kind -> functions called with the row once it was sent (e.g. to mark a reminder sent).
_ON_SENT: dict[str, list[Callable[[OutboxMessage], None]]] = {}


class PermanentFailure(Exception):
    """The server refused the recipient for good (a 5xx reply)."""


class TransientFailure(Exception):
    """Sending failed for now; try again in ``delay`` seconds."""

    def __init__(self, delay: float, error: str):
        super().__init__(error)
        self.delay = delay


def on_sent(kind: str):
    """Register ``function(message)`` to run in the sending transaction once mail of ``kind`` is sent."""

    def register(function):
        if function not in _ON_SENT.setdefault(kind, []):
            _ON_SENT[kind].append(function)
        return function

    return register


def lease() -> timedelta:
    return timedelta(seconds=current_app.config["JOBS_LEASE_SECONDS"])


def redispatch_after() -> timedelta:
    return timedelta(seconds=current_app.config["JOBS_REDISPATCH_SECONDS"])


def queue_mail(
    session: Session,
    *,
    key: str,
    kind: str,
    recipient: str,
    payload: dict,
    due_at: datetime | None = None,
    batch_id: int | None = None,
    connection=None,
) -> int | None:
    """Queue one e-mail in the current transaction; return its id, or None if ``key`` was queued before.

    Pass ``connection`` from inside a mapper event (which must not use the session).
    """
    connection = connection if connection is not None else session.connection()
    now = utcnow()
    values = dict(
        key=key,
        kind=kind,
        recipient=recipient.strip().lower(),
        payload=payload,
        status="pending",
        attempts=0,
        created_at=now,
        due_at=due_at or now,
        batch_id=batch_id,
    )
    insert = (postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert)(OutboxMessage)
    statement = insert.values(**values).on_conflict_do_nothing(index_elements=["key"]).returning(OutboxMessage.id)
    message_id = connection.execute(statement).scalar()
    if message_id is not None:
        session.info.setdefault(_PENDING, []).append((message_id, values["due_at"]))
    return message_id


def queue_many(session: Session, messages: list[dict], batch_size: int) -> list[int]:
    """Queue many e-mails (dicts of ``queue_mail``'s keywords) in few statements; send them in batches.

    Keys queued before are skipped; returns the ids of the new rows, which go
    out after the commit in tasks of ``batch_size``, each over one connection.
    """
    connection = session.connection()
    now = utcnow()
    rows = [
        dict(
            key=m["key"],
            kind=m["kind"],
            recipient=m["recipient"].strip().lower(),
            payload=m["payload"],
            status="pending",
            attempts=0,
            created_at=now,
            due_at=m.get("due_at") or now,
            batch_id=m.get("batch_id"),
        )
        for m in messages
    ]
    insert = (postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert)(OutboxMessage)
    statement = insert.on_conflict_do_nothing(index_elements=["key"]).returning(OutboxMessage.id)
    ids: list[int] = []
    for start in range(0, len(rows), 1000):
        ids.extend(connection.execute(statement, rows[start : start + 1000]).scalars())
    ids.sort()
    send_in_batches_after_commit(session, ids, batch_size)
    return ids


def send_in_batches_after_commit(session: Session, message_ids: list[int], size: int) -> None:
    """Once committed, send ``message_ids`` in tasks of ``size`` rows, each over one SMTP connection."""
    batches = session.info.setdefault(_BATCHES, [])
    batches.extend(message_ids[start : start + size] for start in range(0, len(message_ids), size))


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
    session.info.pop(_BATCHES, None)
    session.info.pop(_TASKS, None)


def _dispatch_after_commit(session: Session) -> None:
    for task, args, eta in session.info.pop(_TASKS, None) or ():
        try:
            task.apply_async(args=list(args), eta=eta, retry=False)
        except Exception as exc:  # the periodic sweep picks the work up later
            log.warning("broker unavailable, %s%r waits for the sweep: %s", task.name, args, exc)
    for batch in session.info.pop(_BATCHES, None) or ():
        dispatch_batch(batch)
    queued = session.info.pop(_PENDING, None)
    if not queued:
        return
    horizon = utcnow() + NEAR_FUTURE
    dispatch([(message_id, due) for message_id, due in queued if due <= horizon])


def dispatch(rows: list[tuple[int, datetime]]) -> int:
    """Hand ``(id, due_at)`` rows to the broker, one task each; return how many it took.

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
    _mark_dispatched(handed)
    return len(handed)


def dispatch_batch(message_ids: list[int]) -> bool:
    """Hand ``message_ids`` to the broker as one batch task; return whether it took it."""
    from blog.jobs.tasks import deliver_batch

    try:
        deliver_batch.apply_async(args=[list(message_ids)], retry=False)
    except Exception as exc:
        log.warning("broker unavailable, %d mails wait for the sweep: %s", len(message_ids), exc)
        return False
    _mark_dispatched(message_ids)
    return True


def _mark_dispatched(message_ids: list[int]) -> None:
    if message_ids:
        with db.engine.begin() as connection:
            connection.execute(
                update(OutboxMessage).where(OutboxMessage.id.in_(message_ids)).values(dispatched_at=utcnow())
            )


def sweep_due(limit: int = 500) -> int:
    """Hand over pending mail that is due soon and was never handed over, or was lost since.

    Two sweeps at once are harmless: each takes its rows with a conditional
    update of ``dispatched_at``, so a row goes to only one of them.
    """
    now = utcnow()
    stale = now - redispatch_after()
    due = (
        OutboxMessage.status == "pending",
        OutboxMessage.due_at <= now + NEAR_FUTURE,
        or_(
            OutboxMessage.dispatched_at.is_(None),
            (OutboxMessage.dispatched_at < stale) & (OutboxMessage.due_at < stale),
        ),
        or_(OutboxMessage.locked_until.is_(None), OutboxMessage.locked_until < now),
    )
    candidates = (
        db.session.execute(db.select(OutboxMessage.id).where(*due).order_by(OutboxMessage.due_at).limit(limit))
        .scalars()
        .all()
    )
    if not candidates:
        db.session.rollback()
        return 0
    taken = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(candidates), *due)
        .values(dispatched_at=now)
        .returning(OutboxMessage.id, OutboxMessage.due_at)
    ).all()
    db.session.commit()  # the rows are ours before anything reaches the broker
    rows = sorted((row.id, row.due_at) for row in taken)
    handed = dispatch(rows)
    if handed < len(rows):  # the broker refused the rest: let the next sweep take them at once
        with db.engine.begin() as connection:
            connection.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_([i for i, _ in rows[handed:]]))
                .values(dispatched_at=None)
            )
    return handed


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
        .values(locked_until=now + lease(), attempts=OutboxMessage.attempts + 1)
    ).rowcount
    db.session.commit()
    return db.session.get(OutboxMessage, message_id, populate_existing=True) if claimed else None


def deliver(message_id: int) -> str:
    """Send one outbox row; return its new status. Raise ``TransientFailure`` to be retried."""
    from blog.jobs.mailer import mail_connection

    message = claim(message_id)
    if message is None:
        return "skipped"
    if (status := _precheck(message)) is not None:
        return status
    try:
        with mail_connection() as connection:
            return _send_claimed(message, connection)
    except (TransientFailure, PermanentFailure):
        raise
    except Exception as exc:  # the connection itself failed: refused, dropped or timed out
        db.session.rollback()
        return _retry_later(message, repr(exc))


def deliver_batch(message_ids: list[int]) -> dict[str, int]:
    """Send the rows ``message_ids`` over one connection; return counts by outcome.

    The batch is claimed with one conditional update (one lease for all), and
    each row is marked sent in its own commit right after the server took it,
    so a worker killed mid-batch leaves only its unsent rows for the sweep.
    A failure of the connection itself releases the rows not yet sent and
    propagates; the caller retries them (they are claimed afresh).
    """
    from blog.jobs.mailer import mail_connection

    messages = claim_many(message_ids)
    outcome: dict[str, int] = {"skipped": len(message_ids) - len(messages)}
    suppressed = (
        set(
            db.session.execute(
                db.select(SuppressedAddress.email).where(SuppressedAddress.email.in_({m.recipient for m in messages}))
            ).scalars()
        )
        if messages
        else set()
    )
    session = db.session()
    # Each row is committed on its own; reloading the rest of the batch after
    # every commit would cost a query per row for nothing (no one else may touch claimed rows).
    expire_on_commit, session.expire_on_commit = session.expire_on_commit, False
    try:
        with mail_connection() as connection:
            while messages:
                message = messages.pop(0)
                if message.recipient in suppressed:
                    status = _finish(message, "canceled", "address is on the suppression list")
                else:
                    status = _precheck(message, check_suppressed=False) or _send_claimed(
                        message, connection, batch=True
                    )
                outcome[status] = outcome.get(status, 0) + 1
    except Exception:
        _release_unsent([message.id for message in messages])
        raise
    finally:
        session.expire_on_commit = expire_on_commit
    return outcome


def claim_many(message_ids: list[int]) -> list[OutboxMessage]:
    """Take every row of ``message_ids`` that is free to send, with one statement; return them by id."""
    now = utcnow()
    claimed = (
        db.session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.id.in_(message_ids),
                OutboxMessage.status == "pending",
                OutboxMessage.due_at <= now,
                or_(OutboxMessage.locked_until.is_(None), OutboxMessage.locked_until < now),
            )
            .values(locked_until=now + lease(), attempts=OutboxMessage.attempts + 1)
            .returning(OutboxMessage.id)
        )
        .scalars()
        .all()
    )
    db.session.commit()
    if not claimed:
        return []
    rows = db.session.execute(
        db.select(OutboxMessage)
        .where(OutboxMessage.id.in_(claimed))
        .order_by(OutboxMessage.id)
        .execution_options(populate_existing=True)
    ).scalars()
    return list(rows)


def _release_unsent(ids: list[int]) -> None:
    """Give back the claimed rows a broken batch did not reach (their attempt did not happen)."""
    db.session.rollback()
    if ids:
        db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(ids), OutboxMessage.status == "pending")
            .values(locked_until=None, attempts=OutboxMessage.attempts - 1)
        )
        db.session.commit()


def _precheck(message: OutboxMessage, check_suppressed: bool = True) -> str | None:
    """Finish the row without sending when it has used up its tries or its address refuses mail."""
    max_attempts = current_app.config["MAIL_MAX_RETRIES"] + 1
    if message.attempts > max_attempts:
        return _fail(message, f"gave up after {message.attempts - 1} attempts: {message.last_error}")
    if check_suppressed and db.session.get(SuppressedAddress, message.recipient):
        return _finish(message, "canceled", "address is on the suppression list")
    if message.kind == CRASH_KIND and current_app.config.get("JOBS_FAULT_INJECTION"):
        os._exit(70)  # the worker process dies mid-task, as with a segfault or the OOM killer
    return None


def _send_claimed(message: OutboxMessage, connection, batch: bool = False) -> str:
    """Send a claimed row over ``connection``; return its status.

    A 5xx for the recipient fails the row at once and suppresses the address;
    a 4xx releases it for a retry (raised as ``TransientFailure`` unless in a
    batch, whose connection is still good); a broken connection propagates.
    """
    from blog.jobs.mailer import build_message

    try:
        connection.send(build_message(message.kind, message.recipient, message.payload))
    except smtplib.SMTPRecipientsRefused as exc:
        code, reason = next(iter(exc.recipients.values()))
        return _refused(message, code, _text(reason), batch, suppress=True)
    except (smtplib.SMTPDataError, smtplib.SMTPSenderRefused) as exc:
        return _refused(message, exc.smtp_code, _text(exc.smtp_error), batch, suppress=False)
    except Exception as exc:
        if not batch:
            raise
        try:
            _retry_later(message, repr(exc))
        except TransientFailure:
            pass
        raise
    for function in _ON_SENT.get(message.kind, ()):
        function(message)
    return _finish(message, "sent", None)


def _refused(message: OutboxMessage, code: int, reason: str, batch: bool, suppress: bool) -> str:
    error = f"{code} {reason}"
    if code >= 500:
        if suppress:
            db.session.merge(SuppressedAddress(email=message.recipient, reason=error))
            return _finish(message, "failed", error)
        return _fail(message, error)
    if batch:  # this row alone waits: the retry sweep hands it over when due
        if message.attempts >= current_app.config["MAIL_MAX_RETRIES"] + 1:
            return _fail(message, error)
        _release(message, error, retry_in=retry_delay(message.attempts), handed=False)
        return "deferred"
    return _retry_later(message, error)


def _text(reason) -> str:
    return reason.decode(errors="replace") if isinstance(reason, bytes) else str(reason)


def _retry_later(message: OutboxMessage, error: str) -> str:
    """Fail the row when its tries are spent; else release it and raise ``TransientFailure``."""
    if message.attempts >= current_app.config["MAIL_MAX_RETRIES"] + 1:
        return _fail(message, error)
    delay = retry_delay(message.attempts)
    _release(message, error, retry_in=delay)
    raise TransientFailure(delay, error)


def _finish(message: OutboxMessage, status: str, error: str | None) -> str:
    values = {"status": status, "locked_until": None}
    if error is not None:
        values["last_error"] = error
    if status == "sent":
        values["sent_at"] = utcnow()
        if db.session.get_bind().dialect.name == "postgresql":
            # The row is visible to every worker at once; only a crash of the
            # database server itself within ~0.5 s could lose the mark (and
            # resend that mail), and it saves a disk flush per message.
            db.session.execute(text("SET LOCAL synchronous_commit TO OFF"))
    _update_claimed(message, values)
    db.session.commit()
    return status


def _update_claimed(message: OutboxMessage, values: dict) -> bool:
    """Write ``values`` to the row only while this worker's lease on it holds (a fencing token).

    A row whose lease ran out may have been claimed by another worker since;
    it must not be marked (or released) by this one. Returns whether it was.
    """
    held = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message.id, OutboxMessage.locked_until == message.locked_until)
        .values(**values)
    ).rowcount
    if not held:
        log.error(
            "outbox row %s (%s) was gone or its lease ran out before it was marked %s; "
            "if this repeats, raise JOBS_LEASE_SECONDS",
            message.id,
            message.key,
            values.get("status", "released"),
        )
    for name, value in values.items():
        set_committed_value(message, name, value)
    return bool(held)


def _fail(message: OutboxMessage, error: str) -> str:
    """Mark the row failed for good and tell the admins (at most once an hour)."""
    status = _finish(message, "failed", error)
    if message.kind not in ("alarm", CRASH_KIND):
        from blog.jobs.alarms import raise_alarm

        raise_alarm("deliver_mail", f"{message.kind} mail {message.key} to {message.recipient}: {error}")
    return status


def _release(message: OutboxMessage, error: str, retry_in: float = 0.0, handed: bool = True) -> None:
    """Let go of the row; it may be taken again in ``retry_in`` seconds.

    ``handed``: a retry task is on its way, so the sweep leaves the row alone
    until it is late; otherwise the sweep hands it over when it is due.
    """
    now = utcnow()
    _update_claimed(
        message,
        {
            "locked_until": None,
            "last_error": error,
            "due_at": max(message.due_at, now + timedelta(seconds=retry_in)),
            "dispatched_at": now if handed else None,
        },
    )
    db.session.commit()


def retry_delay(attempt: int) -> float:
    """Seconds before retry ``attempt``: exponential backoff with full jitter, capped by config."""
    cap = current_app.config["MAIL_RETRY_BACKOFF_MAX"]
    return random.uniform(0, min(cap, 2**attempt))
