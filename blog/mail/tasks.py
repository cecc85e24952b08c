"""Celery tasks of mail; they take ids and call the delivery and dispatch services."""

from __future__ import annotations

import smtplib
from typing import Any

from celery import shared_task
from flask import current_app

from blog.jobs import heartbeats
from blog.mail import delivery, dispatch

TRANSIENT_ERRORS = (smtplib.SMTPException, OSError)


@shared_task(bind=True, acks_late=True, max_retries=None)
def deliver_mail(self: Any, message_id: int) -> str:
    """Send the outbox row ``message_id``; retry transient SMTP and network errors with backoff."""
    # ``deliver`` counts attempts in the database and stops raising once they
    # are spent, so these retries end even across redeliveries.
    try:
        return delivery.deliver(message_id)
    except delivery.TransientFailure as exc:
        raise self.retry(countdown=exc.delay) from None


@shared_task(bind=True, acks_late=True, max_retries=None)
def deliver_batch(self: Any, message_ids: list[int]) -> dict[str, int]:
    """Send the outbox rows ``message_ids`` over one SMTP connection; retry the batch if it breaks."""
    try:
        return delivery.deliver_batch(message_ids)
    except TRANSIENT_ERRORS as exc:
        # Rows already sent are skipped on the retry; rows whose tries are
        # spent are failed by then, so the batch's retries end too.
        if self.request.retries >= current_app.config["MAIL_MAX_RETRIES"]:
            return {"left for the sweep": len(message_ids)}
        raise self.retry(exc=exc, countdown=delivery.retry_delay(self.request.retries + 1)) from None


@shared_task
def sweep_outbox() -> int:
    """Hand over due mail whose task was never sent or was lost (run by beat)."""
    heartbeats.record_heartbeat(heartbeats.SWEEP_HEARTBEAT)
    return dispatch.sweep_due()
