"""gunicorn's settings for the blog, read by ``python manage.py serve`` and by
``gunicorn -c gunicorn.conf.py "blog:create_app()"``.

Every value can be overridden on the command line (``--workers 4``) or through
``GUNICORN_CMD_ARGS``. The blog itself is never imported here: modules the
arbiter imported would be inherited by every worker it forks, so a graceful
reload (``kill -HUP``) would keep serving the old code.
"""

import multiprocessing
import os

wsgi_app = "blog:create_app()"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")

# Sync workers: 2 x cores + 1, the usual rule for a CPU- and database-bound app.
workers = int(os.environ.get("GUNICORN_WORKERS") or multiprocessing.cpu_count() * 2 + 1)
# More than one thread switches to gthread workers (threads share a process and its pool).
threads = int(os.environ.get("GUNICORN_THREADS") or 1)
worker_class = "gthread" if threads > 1 else "sync"

# Each worker builds its own app and connection pool after the fork: a pool
# opened in the arbiter would be shared by every worker's sockets.
preload_app = False

# A worker silent this long is killed and replaced (a stuck request, a lost database).
timeout = 30
# On SIGTERM or SIGHUP, requests in flight get this long to finish.
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then (slow leaks); the jitter keeps them from restarting together.
max_requests = 2000
max_requests_jitter = 200

# Several gunicorns on one host would fight over one control socket in $HOME.
control_socket_disable = True

# The blog writes its own access log at the WSGI layer (with request ids, cache hits included).
accesslog = None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
# Behind a proxy on another host, set FORWARDED_ALLOW_IPS and BLOG_PROXY_COUNT (docs/DEPLOY.md).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def post_worker_init(worker):
    """Warn once, from the first worker, about settings that are wrong for several workers."""
    if worker.age == 1:
        from blog.production import warn_about_deployment

        warn_about_deployment(worker.wsgi, workers=worker.cfg.workers)


def on_starting(server):
    """With METRICS_ENABLED, let every worker's counters be summed: prometheus-client's multiprocess mode."""
    if os.environ.get("METRICS_ENABLED", "").lower() in {"1", "true", "yes", "on"}:
        import shutil
        import tempfile

        folder = os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", tempfile.mkdtemp(prefix="blog-metrics-"))
        shutil.rmtree(folder, ignore_errors=True)  # counts of an earlier run would be added to this one's
        os.makedirs(folder, exist_ok=True)


def child_exit(server, worker):
    """A worker that is gone stops counting in the live gauges."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
