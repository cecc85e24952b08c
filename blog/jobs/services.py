"""Job bookkeeping: heartbeats that show workers and beat are alive, and the outbox's overview."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError

from blog.extensions import db
from blog.models import JobHeartbeat, OutboxMessage, utcnow

#: Written by the periodic outbox sweep: proves beat schedules and a worker runs.
SWEEP_HEARTBEAT = "sweep_outbox"
#: Written by the ``heartbeat`` task that ``manage.py check`` sends: proves a worker answers.
WORKER_HEARTBEAT = "worker"


def record_heartbeat(name: str, detail: str = "") -> None:
    """Note that job ``name`` ran now."""
    now = utcnow()
    changed = db.session.execute(
        update(JobHeartbeat).where(JobHeartbeat.name == name).values(last_run_at=now, detail=detail)
    ).rowcount
    if not changed:
        db.session.add(JobHeartbeat(name=name, last_run_at=now, detail=detail))
    try:
        db.session.commit()
    except IntegrityError:  # another worker wrote the first row at the same moment
        db.session.rollback()


def last_run(name: str) -> JobHeartbeat | None:
    """Return the heartbeat of job ``name``, if it ever ran."""
    db.session.expire_all()
    return db.session.get(JobHeartbeat, name)


def workers_look_alive(now: datetime | None = None) -> bool:
    """True when the periodic sweep ran recently (a worker ran what beat scheduled)."""
    beat = last_run(SWEEP_HEARTBEAT)
    limit = timedelta(seconds=current_app.config["JOBS_WORKER_STALE_SECONDS"])
    return beat is not None and (now or utcnow()) - beat.last_run_at < limit


def outbox_counts(batch_id: int | None = None) -> dict[str, int]:
    """Count outbox rows by status (of one batch if given)."""
    query = db.select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
    if batch_id is not None:
        query = query.where(OutboxMessage.batch_id == batch_id)
    counts = {status: 0 for status in ("pending", "sent", "failed", "canceled")}
    counts.update({status: n for status, n in db.session.execute(query)})
    return counts


def retry_message(message_id: int) -> bool:
    """Put a failed or canceled row back in the queue now, with fresh tries; return whether it changed."""
    from blog.jobs.outbox import dispatch

    message = db.session.get(OutboxMessage, message_id)
    if message is None or message.status not in ("failed", "canceled"):
        return False
    message.status, message.attempts, message.locked_until = "pending", 0, None
    message.due_at, message.dispatched_at = utcnow(), None
    db.session.commit()
    dispatch([(message.id, message.due_at)])
    return True
