"""Celery tasks of the jobs machinery itself: the worker heartbeat and the embedded broker's clean-up."""

from __future__ import annotations

from celery import shared_task
from flask import current_app
from sqlalchemy import create_engine, text

from blog.jobs import heartbeats


@shared_task
def heartbeat(token: str) -> str:
    """Write ``token`` into the worker heartbeat, so ``manage.py check`` sees a worker answer."""
    heartbeats.record_heartbeat(heartbeats.WORKER_HEARTBEAT, token)
    return token


@shared_task
def clean_embedded_broker() -> int:
    """Delete consumed messages from the embedded SQLite broker, which never deletes them itself."""
    url = current_app.config["CELERY_BROKER_URL"].removeprefix("sqla+")
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            return connection.execute(text("DELETE FROM kombu_message WHERE visible = 0")).rowcount
    finally:
        engine.dispose()
