"""``make_celery``: one function binds Celery to the Flask app (the design's ContextTask)."""

from __future__ import annotations

from celery import Celery, Task
from flask import Flask, has_app_context

from blog.jobs.broker import use_embedded_transport
from blog.jobs.schedule import beat_schedule

#: Modules whose tasks the worker must know: one per area that has tasks.
TASK_MODULES = [
    "blog.jobs.tasks",
    "blog.mail.tasks",
    "blog.posts.tasks",
    "blog.digest.tasks",
    "blog.notifications.tasks",
]


def make_celery(app: Flask) -> Celery:
    """Return the Celery app for ``app``; its tasks run inside ``app.app_context()``.

    Calling it twice for one Flask app returns the same Celery app, so the
    factory and ``celery_runner`` can both ask for it.
    """
    if "celery" in app.extensions:
        return app.extensions["celery"]
    use_embedded_transport()

    class ContextTask(Task):
        abstract = True

        def __call__(self, *args, **kwargs):
            # A task called inline from a request already has a context; a
            # second one would give it a session that cannot see the caller's work.
            if has_app_context():
                return super().__call__(*args, **kwargs)
            with app.app_context():
                return super().__call__(*args, **kwargs)

    celery = Celery(app.import_name, task_cls=ContextTask, include=TASK_MODULES)
    celery.conf.update(celery_settings(app.config))
    celery.set_default()
    celery.flask_app = app  # for signal handlers, which run outside any task's context
    app.extensions["celery"] = celery
    return celery


def celery_settings(config) -> dict:
    """Translate the Flask settings that concern Celery into Celery's own names."""
    transport_options = {
        "visibility_timeout": config["CELERY_VISIBILITY_TIMEOUT"],
        "polling_interval": config["CELERY_BROKER_POLLING_INTERVAL"],
    }
    return {
        "broker_url": config["CELERY_BROKER_URL"],
        "result_backend": config["CELERY_RESULT_BACKEND"],
        "broker_transport_options": transport_options,
        "result_backend_transport_options": {"visibility_timeout": config["CELERY_VISIBILITY_TIMEOUT"]},
        "broker_connection_retry_on_startup": True,
        # Publishing from a web request must not hang when the broker is down:
        # the outbox sweep hands the work over later.
        "broker_connection_timeout": 3,
        "broker_connection_max_retries": 1,
        "task_serializer": "json",
        "result_serializer": "json",
        "accept_content": ["json"],
        "task_default_queue": config["CELERY_DEFAULT_QUEUE"],
        "task_ignore_result": True,
        "task_acks_late": True,
        # Requeue the task of a worker process that died, except on the embedded broker:
        # kombu's SQLAlchemy transport breaks its own session when it requeues from
        # inside a poll (seen as "UNABLE TO RESTORE" and a consumer stalled for
        # minutes). There the message is dropped and the outbox sweep sends the work again.
        "task_reject_on_worker_lost": not config["CELERY_BROKER_URL"].startswith("sqla"),
        "worker_prefetch_multiplier": 1,
        "worker_hijack_root_logger": False,
        "timezone": "UTC",
        "enable_utc": True,
        "beat_schedule": beat_schedule(config),
    }
