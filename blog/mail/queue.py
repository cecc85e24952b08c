"""Queue e-mail in the writer's transaction; it is handed to the broker after the commit.

``queue_mail`` inserts an outbox row on the caller's connection, so that a
rolled-back transaction leaves no mail behind; it is safe inside mapper events
such as ``after_insert`` (pass their ``connection``). The unique ``key`` makes
queueing idempotent: queueing the same key twice keeps the first row.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, scoped_session

from blog.after_commit import collect_after_commit
from blog.mail import dispatch
from blog.models import OutboxMessage, OutboxStatus, utcnow

_INSERT_CHUNK = 1000

# A session, or Flask-SQLAlchemy's ``db.session`` proxy for this context's one.
AnySession = Session | scoped_session[Any]


def queue_mail(
    session: AnySession,
    *,
    key: str,
    kind: str,
    recipient: str,
    payload: dict[str, Any],
    due_at: datetime | None = None,
    batch_id: int | None = None,
    connection: Connection | None = None,
) -> int | None:
    """Queue one e-mail in the current transaction; return its id, or None if ``key`` was queued before.

    Pass ``connection`` from inside a mapper event (which must not use the session).
    """
    connection = connection if connection is not None else session.connection()
    row = _row(key=key, kind=kind, recipient=recipient, payload=payload, due_at=due_at, batch_id=batch_id)
    statement = _insert(connection).values(**row).returning(OutboxMessage.id)
    message_id = connection.execute(statement).scalar()
    if message_id is not None:
        collect_after_commit(cast(Session, session), dispatch.dispatch_queued).append((message_id, row["due_at"]))
    return message_id


def queue_many(session: AnySession, messages: list[dict[str, Any]], batch_size: int) -> list[int]:
    """Queue many e-mails (dicts of ``queue_mail``'s keywords) in few statements; send them in batches.

    Keys queued before are skipped; returns the ids of the new rows, which go
    out after the commit in tasks of ``batch_size``, each over one connection.
    """
    connection = session.connection()
    rows = [_row(**message) for message in messages]
    statement = _insert(connection).returning(OutboxMessage.id)
    ids: list[int] = []
    for start in range(0, len(rows), _INSERT_CHUNK):
        ids.extend(connection.execute(statement, rows[start : start + _INSERT_CHUNK]).scalars())
    ids.sort()
    batches = collect_after_commit(cast(Session, session), dispatch.dispatch_batches)
    batches.extend(ids[start : start + batch_size] for start in range(0, len(ids), batch_size))
    return ids


def _row(
    *,
    key: str,
    kind: str,
    recipient: str,
    payload: dict[str, Any],
    due_at: datetime | None = None,
    batch_id: int | None = None,
) -> dict[str, Any]:
    """The values of one new outbox row: the one place that says what a queued mail looks like."""
    now = utcnow()
    return {
        "key": key,
        "kind": kind,
        "recipient": recipient.strip().lower(),
        "payload": payload,
        "status": OutboxStatus.PENDING,
        "attempts": 0,
        "created_at": now,
        "due_at": due_at or now,
        "batch_id": batch_id,
    }


def _insert(connection: Connection) -> Any:
    """An INSERT of outbox rows that skips keys queued before (ON CONFLICT DO NOTHING)."""
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    return dialect.insert(OutboxMessage).on_conflict_do_nothing(index_elements=["key"])
