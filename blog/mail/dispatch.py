"""Hand queued mail to the broker: right after the commit, and from the periodic sweep.

Tasks are sent by name, so this module does not import the tasks (which
import the delivery code). If the broker is down nothing is lost: the rows
stay pending and ``sweep_due`` (run by beat) hands over every due row that
nobody has sent.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import ColumnElement, or_, update

from blog.extensions import db
from blog.models import OutboxMessage, OutboxStatus, utcnow

log = logging.getLogger(__name__)

#: Rows due within this window go to the broker with an ETA; later ones wait in the database.
NEAR_FUTURE = timedelta(minutes=5)
DELIVER_MAIL = "blog.mail.tasks.deliver_mail"
DELIVER_BATCH = "blog.mail.tasks.deliver_batch"


def dispatch_queued(queued: list[tuple[int, datetime]]) -> None:
    """After a commit: hand over the rows that transaction queued which are due soon."""
    horizon = utcnow() + NEAR_FUTURE
    dispatch([(message_id, due) for message_id, due in queued if due <= horizon])


def dispatch_batches(batches: list[list[int]]) -> None:
    """After a commit: hand over each batch of bulk mail as one task (one SMTP connection)."""
    for batch in batches:
        dispatch_batch(batch)


def dispatch(rows: list[tuple[int, datetime]]) -> int:
    """Hand ``(id, due_at)`` rows to the broker, one task each; return how many it took.

    A broker that is down is logged, not raised: the sweep retries later.
    """
    celery = current_app.extensions["celery"]
    handed = []
    for message_id, due_at in rows:
        eta = due_at if due_at > utcnow() else None
        try:
            celery.send_task(DELIVER_MAIL, args=[message_id], eta=eta, retry=False)
        except Exception as exc:  # kombu raises many kinds; all mean "not now"
            log.warning("broker unavailable, mail %s waits for the sweep: %s", message_id, exc)
            break
        handed.append(message_id)
    _mark_dispatched(handed)
    return len(handed)


def dispatch_batch(message_ids: list[int]) -> bool:
    """Hand ``message_ids`` to the broker as one batch task; return whether it took it."""
    try:
        current_app.extensions["celery"].send_task(DELIVER_BATCH, args=[list(message_ids)], retry=False)
    except Exception as exc:
        log.warning("broker unavailable, %d mails wait for the sweep: %s", len(message_ids), exc)
        return False
    _mark_dispatched(message_ids)
    return True


def _mark_dispatched(message_ids: list[int], handed: bool = True) -> None:
    """Note that the broker took these rows now; ``handed=False``: it refused them, the next sweep retakes them."""
    if message_ids:
        with db.engine.begin() as connection:
            connection.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_(message_ids))
                .values(dispatched_at=utcnow() if handed else None)
            )


def sweep_due(limit: int = 500) -> int:
    """Hand over pending mail that is due soon and was never handed over, or was lost since.

    Two sweeps at once are harmless: each takes its rows with a conditional
    update of ``dispatched_at``, so a row goes to only one of them.
    """
    now = utcnow()
    due = _sweepable(now)
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
    _mark_dispatched([message_id for message_id, _ in rows[handed:]], handed=False)
    return handed


def _sweepable(now: datetime) -> tuple[ColumnElement[bool], ...]:
    """Pending rows due soon that nobody holds, never handed over or handed over long ago unanswered."""
    stale = now - timedelta(seconds=current_app.config["JOBS_REDISPATCH_SECONDS"])
    return (
        OutboxMessage.status == OutboxStatus.PENDING,
        OutboxMessage.due_at <= now + NEAR_FUTURE,
        or_(
            OutboxMessage.dispatched_at.is_(None),
            (OutboxMessage.dispatched_at < stale) & (OutboxMessage.due_at < stale),
        ),
        or_(OutboxMessage.locked_until.is_(None), OutboxMessage.locked_until < now),
    )
