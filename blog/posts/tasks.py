"""Celery tasks for posts: publishing scheduled posts when their time comes."""

from __future__ import annotations

from celery import shared_task

from blog.posts import services


@shared_task(acks_late=True)
def publish_post(post_id: int) -> bool:
    """Publish the scheduled post ``post_id`` if its time has come."""
    return services.publish_if_due(post_id)


@shared_task
def publish_due_posts() -> int:
    """Publish every scheduled post whose time has passed (run by beat; safe twice at once)."""
    return services.publish_due_posts()
