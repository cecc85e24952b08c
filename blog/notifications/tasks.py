"""Celery tasks of notifications."""

from __future__ import annotations

from celery import shared_task

from blog.notifications import services


@shared_task
def notify_followers() -> int:
    """Queue mail about posts published since the last run to those who follow their authors (beat)."""
    return services.notify_followers()
