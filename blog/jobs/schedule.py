"""The periodic work that beat schedules; only one beat may run (every sweep is safe to run twice)."""

from __future__ import annotations

from typing import Any

from celery.schedules import crontab


def beat_schedule(config: Any) -> dict[str, dict[str, Any]]:
    """The periodic work; only one beat may run it (the sweeps are safe to run twice)."""
    sweep = config["JOBS_SWEEP_SECONDS"]
    schedule = {
        "dispatch-due-mail": {"task": "blog.mail.tasks.sweep_outbox", "schedule": sweep},
        "publish-due-posts": {"task": "blog.posts.tasks.publish_due_posts", "schedule": sweep},
        "notify-followers": {"task": "blog.notifications.tasks.notify_followers", "schedule": sweep},
        "send-digest": {"task": "blog.digest.tasks.send_digest", "schedule": digest_crontab(config)},
    }
    if config["CELERY_BROKER_URL"].startswith("sqla+"):
        schedule["clean-embedded-broker"] = {
            "task": "blog.jobs.tasks.clean_embedded_broker",
            "schedule": crontab(minute="*/10"),
        }
    return schedule


def digest_crontab(config: Any) -> crontab:
    """Parse ``DIGEST_SCHEDULE`` ("minute hour day-of-month month day-of-week")."""
    fields = config["DIGEST_SCHEDULE"].split()
    if len(fields) != 5:
        raise ValueError(f"DIGEST_SCHEDULE={config['DIGEST_SCHEDULE']!r} needs five crontab fields, e.g. '0 7 * * *'")
    minute, hour, day_of_month, month_of_year, day_of_week = fields
    return crontab(
        minute=minute, hour=hour, day_of_month=day_of_month, month_of_year=month_of_year, day_of_week=day_of_week
    )
