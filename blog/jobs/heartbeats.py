"""Heartbeats: rows that show workers and beat are alive, for ``manage.py check`` and the admin pages."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from blog.extensions import db
from blog.models import JobHeartbeat, utcnow

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
