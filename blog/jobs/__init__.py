"""Background jobs: Celery bound to the app (``make_celery``), the embedded broker, heartbeats and the beat schedule.

What the jobs do lives with their areas (``blog.mail``, ``blog.posts``, ``blog.digest``, ...).
"""

from flask import Flask

from blog.jobs.celery import make_celery
from blog.jobs.cli import check_command


def init_app(app: Flask) -> None:
    """Bind Celery to ``app`` (the design's ContextTask) and add ``manage.py check``."""
    make_celery(app)
    app.cli.add_command(check_command)
