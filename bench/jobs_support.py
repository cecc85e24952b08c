"""Shared parts of the jobs benchmarks: an SMTP sink, a worker process, an app on a scratch instance."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime

from aiosmtpd.controller import Controller

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from tests.support import free_port, wait_for  # noqa: E402


class Sink:
    """An SMTP server that only counts and timestamps what it receives (by recipient)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.count = 0
        self.arrivals: dict[str, float] = {}
        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server, session, envelope):
        now = time.monotonic()
        with self.lock:
            self.count += 1
            for recipient in envelope.rcpt_tos:
                self.arrivals.setdefault(recipient, now)
        return "250 OK"

    def start(self) -> Sink:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()


def scratch_env(sink_port: int, broker_url: str | None, database_url: str | None) -> dict:
    """Environment for the app and the worker: a fresh instance folder and queue."""
    instance = tempfile.mkdtemp(prefix="blog-bench-")
    tag = os.path.basename(instance)
    return {
        **os.environ,
        "BLOG_ENV": "test",
        "BLOG_INSTANCE_PATH": instance,
        "DATABASE_URL": database_url or f"sqlite:///{instance}/blog.db",
        "CELERY_BROKER_URL": broker_url or f"sqla+sqlite:///{instance}/broker.db",
        "CELERY_RESULT_BACKEND": f"db+sqlite:///{instance}/results.db",
        "CELERY_DEFAULT_QUEUE": f"bench-{tag}",
        "MAIL_BACKEND": "smtp",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(sink_port),
        "JOBS_SWEEP_SECONDS": "3600",
        "LOG_LEVEL": "WARNING",
    }


def make_app(env: dict):
    """Build the app on ``env``, with an empty upgraded database."""
    os.environ.update(env)
    from flask_migrate import upgrade
    from sqlalchemy import text

    from blog import create_app
    from blog.extensions import db

    app = create_app("test")
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE"))
                connection.execute(text("CREATE SCHEMA public"))
        upgrade()
        url = app.config["CELERY_BROKER_URL"]
        if url.startswith("redis://"):
            import redis

            redis.Redis.from_url(url).flushdb()
    return app


def start_worker(env: dict, concurrency: int) -> subprocess.Popen:
    log = os.path.join(env["BLOG_INSTANCE_PATH"], "worker.log")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "celery_runner",
            "worker",
            "--loglevel",
            "INFO",
            "--concurrency",
            str(concurrency),
            "--without-mingle",
            "--without-gossip",
            "--hostname",
            "bench@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=open(log, "ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    wait_for(lambda: b" ready." in open(log, "rb").read(), 60, message="the worker to start")
    return process


def stop_worker(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(15)
    except subprocess.TimeoutExpired:
        process.kill()


def machine() -> str:
    return (
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
        f", shared with other jobs; {datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    )


def record(section: str, text: str) -> None:
    """Append a result under ``section`` at the end of docs/BENCHMARKS.md (the jobs section) and print it."""
    print(text)
    path = os.path.join(ROOT, "docs", "BENCHMARKS.md")
    with open(path, "a") as handle:
        handle.write(f"\n#### {section}\n\n{text}\n")
