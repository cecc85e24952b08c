"""Run work once the current transaction commits, and never if it rolls back.

Posts use it to enqueue a scheduled publication, mail to hand queued rows to
the broker. Nothing here reaches the broker before the commit: a task sent
from inside the flush could run before the row it needs is visible, or after
a rollback that removed it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction, scoped_session

log = logging.getLogger(__name__)

_KEY = "after_commit"  # in Session.info: {function: [items]} collected by this transaction

Collector = Callable[[list[Any]], None]


def init_app(app: Flask) -> None:
    """Listen to every session's commits and rollbacks (mapper and session events are global: once a process)."""
    if not event.contains(Session, "after_commit", _run_after_commit):
        event.listen(Session, "after_commit", _run_after_commit)
        # The "soft" rollback fires even when no statement had begun a transaction yet.
        event.listen(Session, "after_soft_rollback", _forget_after_rollback)


def collect_after_commit(session: Session | scoped_session[Session], function: Collector) -> list[Any]:
    """Return this transaction's list for ``function``; once committed, ``function(list)`` runs once.

    Many rows queued in one transaction reach ``function`` together, so it can
    hand them over in one go.
    """
    if isinstance(session, scoped_session):
        session = session()
    if not session.in_transaction():
        # Begin now, so that a rollback before any statement still drops this work.
        session.begin()
    return session.info.setdefault(_KEY, {}).setdefault(function, [])


def call_after_commit(session: Session | scoped_session[Session], function: Callable[..., Any], *args: Any) -> None:
    """Call ``function(*args)`` once the current transaction commits."""
    collect_after_commit(session, _call_each).append((function, args))


def enqueue_after_commit(
    session: Session | scoped_session[Session], task_name: str, *args: Any, eta: datetime | None = None
) -> None:
    """Send the Celery task ``task_name`` (by name) once committed; a broker that is down is logged.

    Use it for work that a periodic sweep also covers, since a broker that is
    down at commit time loses the message.
    """
    call_after_commit(session, _send_task, task_name, list(args), eta)


def _send_task(task_name: str, args: list[Any], eta: datetime | None) -> None:
    try:
        current_app.extensions["celery"].send_task(task_name, args=args, eta=eta, retry=False)
    except Exception as exc:  # kombu raises many kinds; all mean "not now", and the sweep covers it
        log.warning("broker unavailable, %s%r waits for the sweep: %s", task_name, tuple(args), exc)


def _call_each(calls: list[tuple[Callable[..., Any], tuple[Any, ...]]]) -> None:
    for function, args in calls:
        function(*args)


def _run_after_commit(session: Session) -> None:
    for function, items in (session.info.pop(_KEY, None) or {}).items():
        try:
            function(items)
        except Exception:  # one failing hand-over must not keep the others from running
            log.exception("after-commit work %s failed", getattr(function, "__qualname__", function))


def _forget_after_rollback(session: Session, previous_transaction: SessionTransaction) -> None:
    if not previous_transaction.nested:  # a savepoint's rollback keeps the outer transaction's work
        session.info.pop(_KEY, None)
