"""Background jobs: Celery bound to the app, the e-mail outbox and the periodic sweeps."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Bind Celery to ``app`` and dispatch queued mail after each commit."""
    from blog.jobs import outbox
    from blog.jobs.celery import make_celery

    make_celery(app)
    outbox.listen_for_commits()
