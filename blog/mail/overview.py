"""What the outbox holds, for the admin mail page, announcements' progress and ``manage.py check``."""

from __future__ import annotations

from sqlalchemy import func

from blog.extensions import db
from blog.mail import dispatch
from blog.models import OutboxMessage, OutboxStatus


def outbox_counts(batch_id: int | None = None) -> dict[str, int]:
    """Count outbox rows by status (of one batch if given)."""
    query = db.select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
    if batch_id is not None:
        query = query.where(OutboxMessage.batch_id == batch_id)
    counts = {str(status): 0 for status in OutboxStatus}
    counts.update({str(status): n for status, n in db.session.execute(query)})
    return counts


def retry_message(message_id: int) -> bool:
    """Put a failed or canceled row back in the queue now, with fresh tries; return whether it changed."""
    message = db.session.get(OutboxMessage, message_id)
    if message is None or not message.retry_now():
        return False
    db.session.commit()
    dispatch.dispatch([(message.id, message.due_at)])
    return True
