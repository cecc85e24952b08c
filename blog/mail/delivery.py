"""Send outbox rows: claim them with a lease, send, and sort the server's answer into sent, retry or failed.

A row is claimed with a conditional update (a lease) before sending and
marked sent right after, so a redelivered task does not send the same mail
twice and a crashed worker's row is taken up again once its lease runs out.
Attempts are counted in the database, which caps a poison message's tries
even across redeliveries. The row's own methods make every state change.
"""

from __future__ import annotations

import logging
import random
import smtplib
from datetime import timedelta
from typing import Any, cast

from flask import current_app
from sqlalchemy import CursorResult, text, update

from blog.extensions import db
from blog.mail.alarms import raise_alarm
from blog.mail.kinds import DoNotSend, UnknownKind, alarms_for, get_kind
from blog.mail.messages import build_message
from blog.mail.transport import mail_connection
from blog.models import OutboxMessage, OutboxStatus, SuppressedAddress, utcnow

log = logging.getLogger(__name__)

SENT, SKIPPED, DEFERRED = "sent", "skipped", "deferred"


class PermanentFailure(Exception):
    """The server refused the recipient for good (a 5xx reply)."""


class TransientFailure(Exception):
    """Sending failed for now; try again in ``delay`` seconds."""

    def __init__(self, delay: float, error: str):
        super().__init__(error)
        self.delay = delay


def deliver(message_id: int) -> str:
    """Send one outbox row; return its new status. Raise ``TransientFailure`` to be retried."""
    message = claim(message_id)
    if message is None:
        return SKIPPED
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
    messages = claim_many(message_ids)
    outcome: dict[str, int] = {SKIPPED: len(message_ids) - len(messages)}
    suppressed = _suppressed({message.recipient for message in messages})
    session = db.session()
    # Each row is committed on its own; reloading the rest of the batch after
    # every commit would cost a query per row for nothing (no one else may touch claimed rows).
    expire_on_commit, session.expire_on_commit = session.expire_on_commit, False
    try:
        with mail_connection() as connection:
            while messages:
                status = _send_one_of_batch(messages[0], connection, suppressed)
                messages.pop(0)
                outcome[status] = outcome.get(status, 0) + 1
    except Exception:
        _release_unsent([message.id for message in messages])
        raise
    finally:
        session.expire_on_commit = expire_on_commit
    return outcome


def _send_one_of_batch(message: OutboxMessage, connection: Any, suppressed: set[str]) -> str:
    if message.recipient in suppressed:
        return _cancel(message, "address is on the suppression list")
    return _precheck(message, check_suppressed=False) or _send_claimed(message, connection, batch=True)


def claim(message_id: int) -> OutboxMessage | None:
    """Take the row for sending if it is pending, due and not held by another worker."""
    now = utcnow()
    claimed = cast(
        CursorResult[Any],
        db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id, *OutboxMessage.free_to_send(now))
            .values(locked_until=now + _lease(), attempts=OutboxMessage.attempts + 1)
        ),
    ).rowcount
    db.session.commit()
    return db.session.get(OutboxMessage, message_id, populate_existing=True) if claimed else None


def claim_many(message_ids: list[int]) -> list[OutboxMessage]:
    """Take every row of ``message_ids`` that is free to send, with one statement; return them by id."""
    now = utcnow()
    claimed = (
        db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(message_ids), *OutboxMessage.free_to_send(now))
            .values(locked_until=now + _lease(), attempts=OutboxMessage.attempts + 1)
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


def retry_delay(attempt: int) -> float:
    """Seconds before retry ``attempt``: exponential backoff with full jitter, capped by config."""
    cap = current_app.config["MAIL_RETRY_BACKOFF_MAX"]
    return random.uniform(0, min(cap, 2**attempt))


def _lease() -> timedelta:
    return timedelta(seconds=current_app.config["JOBS_LEASE_SECONDS"])


def _suppressed(addresses: set[str]) -> set[str]:
    if not addresses:
        return set()
    query = db.select(SuppressedAddress.email).where(SuppressedAddress.email.in_(addresses))
    return set(db.session.execute(query).scalars())


def _release_unsent(ids: list[int]) -> None:
    """Give back the claimed rows a broken batch did not reach (their attempt did not happen)."""
    db.session.rollback()
    if ids:
        db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(ids), OutboxMessage.status == OutboxStatus.PENDING)
            .values(locked_until=None, attempts=OutboxMessage.attempts - 1)
        )
        db.session.commit()


def _max_attempts() -> int:
    return int(current_app.config["MAIL_MAX_RETRIES"]) + 1


def _precheck(message: OutboxMessage, check_suppressed: bool = True) -> str | None:
    """Finish the row without sending when it has used up its tries or its address refuses mail."""
    if message.attempts > _max_attempts():
        return _fail(message, f"gave up after {message.attempts - 1} attempts: {message.last_error}")
    if check_suppressed and db.session.get(SuppressedAddress, message.recipient) is not None:
        return _cancel(message, "address is on the suppression list")
    return None


def _send_claimed(message: OutboxMessage, connection: Any, batch: bool = False) -> str:
    """Send a claimed row over ``connection``; return its status.

    A 5xx for the recipient fails the row at once and suppresses the address;
    a 4xx releases it for a retry (raised as ``TransientFailure`` unless in a
    batch, whose connection is still good); a broken connection propagates.
    """
    try:
        built = build_message(message.kind, message.recipient, message.payload, key=message.key)
    except UnknownKind as exc:
        return _fail(message, str(exc))
    except DoNotSend as withdrawn:
        return _cancel(message, str(withdrawn))
    try:
        connection.send(built)
    except smtplib.SMTPRecipientsRefused as exc:
        code, reason = next(iter(exc.recipients.values()))
        return _refused(message, code, _text(reason), batch, suppress=True)
    except (smtplib.SMTPDataError, smtplib.SMTPSenderRefused) as exc:
        return _refused(message, exc.smtp_code, _text(exc.smtp_error), batch, suppress=False)
    except Exception as exc:
        if batch:
            _release_for_sweep(message, repr(exc))
        raise
    return _sent(message)


def _sent(message: OutboxMessage) -> str:
    """Mark the row sent in its own short commit, then run the kind's ``on_sent`` in another."""
    if db.session.get_bind().dialect.name == "postgresql":
        # The row is visible to every worker at once; only a crash of the
        # database server itself within ~0.5 s could lose the mark (and
        # resend that mail), and it saves a disk flush per message.
        db.session.execute(text("SET LOCAL synchronous_commit TO OFF"))
    message.mark_sent()
    db.session.commit()
    log.info("sent %s mail %s", message.kind, message.key)
    kind = get_kind(message.kind)
    if kind.on_sent is not None:
        kind.on_sent(message)
        db.session.commit()
    return SENT


def _refused(message: OutboxMessage, code: int, reason: str, batch: bool, suppress: bool) -> str:
    error = f"{code} {reason}"
    if code >= 500:
        if suppress:
            db.session.merge(SuppressedAddress(email=message.recipient, reason=error))
            message.fail(error)
            db.session.commit()
            return OutboxStatus.FAILED
        return _fail(message, error)
    if batch:  # this row alone waits: the retry sweep hands it over when due
        if message.attempts >= _max_attempts():
            return _fail(message, error)
        message.release(error, retry_in=retry_delay(message.attempts), handed=False)
        db.session.commit()
        return DEFERRED
    return _retry_later(message, error)


def _text(reason: object) -> str:
    return reason.decode(errors="replace") if isinstance(reason, bytes) else str(reason)


def _retry_later(message: OutboxMessage, error: str) -> str:
    """Fail the row when its tries are spent; else release it and raise ``TransientFailure``."""
    if message.attempts >= _max_attempts():
        return _fail(message, error)
    delay = retry_delay(message.attempts)
    message.release(error, retry_in=delay)
    db.session.commit()
    raise TransientFailure(delay, error)


def _release_for_sweep(message: OutboxMessage, error: str) -> None:
    """A batch's connection broke on this row: fail it if its tries are spent, else leave it to a retry."""
    if message.attempts >= _max_attempts():
        _fail(message, error)
        return
    message.release(error, retry_in=retry_delay(message.attempts))
    db.session.commit()


def _cancel(message: OutboxMessage, reason: str) -> str:
    message.cancel(reason)
    db.session.commit()
    return OutboxStatus.CANCELED


def _fail(message: OutboxMessage, error: str) -> str:
    """Mark the row failed for good and tell the admins (at most once an hour)."""
    message.fail(error)
    db.session.commit()
    if alarms_for(message.kind):
        raise_alarm("deliver_mail", f"{message.kind} mail {message.key} to {message.recipient}: {error}")
    return OutboxStatus.FAILED
