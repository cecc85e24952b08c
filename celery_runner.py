"""The Celery app for ``celery -A celery_runner worker`` and ``celery -A celery_runner beat``.

Every worker process builds its own Flask app (chosen by ``BLOG_ENV``) and
runs tasks inside its app context; see ``blog.jobs.celery.make_celery``.
The only module that builds an app at import time.
"""

from blog import create_app
from blog.jobs.celery import make_celery
from blog.logs import configure_logging

# Not named ``app``: Celery would take a module attribute called ``app`` for its own.
flask_app = create_app()
configure_logging(flask_app, process="worker")  # worker.log, when LOG_DIR is set
celery = make_celery(flask_app)

__all__ = ["celery", "flask_app", "make_celery"]
