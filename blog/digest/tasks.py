"""Celery tasks of the digest."""

from __future__ import annotations

from celery import shared_task

from blog.digest import services


@shared_task
def send_digest(frequencies: list[str] | None = None) -> int:
    """Queue the due digests (run by beat on ``DIGEST_SCHEDULE``); return how many were queued."""
    return services.send_digest(frequencies).queued
