"""The failure alarm: admins hear of a task that failed for good, at most once per task and hour."""

from __future__ import annotations

import logging
from typing import Any

from celery import current_app as current_celery
from flask import current_app

from blog.extensions import db
from blog.mail.queue import queue_mail
from blog.models import Role, User, utcnow

log = logging.getLogger(__name__)

KIND = "alarm"


def raise_alarm(task_name: str, detail: str) -> int:
    """Queue the alarm mail to every admin; return how many were queued (0 if sent this hour)."""
    hour = utcnow().strftime("%Y%m%d%H")
    admins = (
        db.session.execute(db.select(User).join(User.roles).where(Role.name == "admin", User.active.is_(True)))
        .scalars()
        .all()
    )
    queued = 0
    for admin in admins:
        payload = {
            "subject": f"[{current_app.config['BLOG_NAME']}] job {task_name} failed",
            "name": admin.name,
            "task": task_name,
            "detail": detail[:2000],
        }
        key = f"alarm:{task_name}:{hour}:{admin.id}"
        queued += queue_mail(db.session, key=key, kind=KIND, recipient=admin.email, payload=payload) is not None
    db.session.commit()
    log.error("task %s failed for good: %s", task_name, detail)
    return queued


def alarm_on_task_failure(sender: Any = None, exception: BaseException | None = None, **_kwargs: Any) -> None:
    """Celery's ``task_failure`` signal: a task raised for good (its retries, if any, are spent)."""
    flask_app = getattr(current_celery, "flask_app", None)
    if flask_app is None or sender is None:
        return
    with flask_app.app_context():
        try:
            raise_alarm(sender.name.rsplit(".", 1)[-1], repr(exception))
        except Exception:  # the alarm must never hide the original failure
            db.session.rollback()
            log.exception("could not queue the failure alarm for %s", sender.name)
