"""Celery tasks of the jobs subsystem; they take ids and call the outbox service."""

from __future__ import annotations

import smtplib

from celery import shared_task
from flask import current_app

from blog.jobs import outbox, services

TRANSIENT_ERRORS = (smtplib.SMTPException, OSError)


@shared_task(bind=True, acks_late=True, max_retries=None)
def deliver_mail(self, message_id: int) -> str:
    """Send the outbox row ``message_id``; retry transient SMTP and network errors with backoff."""
    # ``deliver`` counts attempts in the database and stops raising once they
    # are spent, so these retries end even across redeliveries.
    try:
        return outbox.deliver(message_id)
    except outbox.TransientFailure as exc:
        raise self.retry(countdown=exc.delay) from None


@shared_task(bind=True, acks_late=True, max_retries=None)
def deliver_batch(self, message_ids: list[int]) -> dict:
    """Send the outbox rows ``message_ids`` over one SMTP connection; retry the batch if it breaks."""
    try:
        return outbox.deliver_batch(message_ids)
    except TRANSIENT_ERRORS as exc:
        # Rows already sent are skipped on the retry; rows whose tries are
        # spent are failed by then, so the batch's retries end too.
        if self.request.retries >= current_app.config["MAIL_MAX_RETRIES"]:
            return {"left for the sweep": len(message_ids)}
        raise self.retry(exc=exc, countdown=outbox.retry_delay(self.request.retries + 1)) from None


@shared_task
def sweep_outbox() -> int:
    """Hand over due mail whose task was never sent or was lost (run by beat)."""
    services.record_heartbeat(services.SWEEP_HEARTBEAT)
    return outbox.sweep_due()


@shared_task
def heartbeat(token: str) -> str:
    """Write ``token`` into the worker heartbeat, so ``manage.py check`` sees a worker answer."""
    services.record_heartbeat(services.WORKER_HEARTBEAT, token)
    return token


@shared_task
def clean_embedded_broker() -> int:
    """Delete consumed messages from the embedded SQLite broker, which never deletes them itself."""
    from sqlalchemy import create_engine, text

    url = current_app.config["CELERY_BROKER_URL"].removeprefix("sqla+")
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            return connection.execute(text("DELETE FROM kombu_message WHERE visible = 0")).rowcount
    finally:
        engine.dispose()
