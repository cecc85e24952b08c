"""Readiness checks: can this web process reach each service it needs right now?

Each check is short (a timeout of ``READY_TIMEOUT`` seconds) and opens its own
connection, so that a probe never waits behind a request's pooled connection.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass

from flask import current_app
from sqlalchemy import text

from blog.extensions import db

#: Seconds each check may take before its service counts as down.
READY_TIMEOUT = 2.0


@dataclass
class Check:
    name: str
    state: str  # "up" or "down"
    duration_ms: float
    error: str | None = None

    def as_dict(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v is not None}


def run_checks() -> list[Check]:
    """Check the database, the broker and, when configured, the Redis cache and rate-limit store."""
    checks = [("database", _database), ("broker", _broker)]
    config = current_app.config
    if config.get("CACHE_REDIS_URL"):
        checks.append(("cache", lambda: _redis(config["CACHE_REDIS_URL"])))
    if config["RATELIMIT_STORAGE_URI"].startswith(("redis://", "rediss://")):
        checks.append(("ratelimit", lambda: _redis(config["RATELIMIT_STORAGE_URI"])))
    return [_timed(name, probe) for name, probe in checks]


def _timed(name: str, probe) -> Check:
    started = time.perf_counter()
    try:
        probe()
    except Exception as error:  # any failure means "not ready"; the body says which
        return Check(name, "down", _ms_since(started), f"{type(error).__name__}: {error}"[:300])
    return Check(name, "up", _ms_since(started))


def _ms_since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)


def _database() -> None:
    try:
        db.session.execute(text("SELECT 1"))
    finally:
        db.session.rollback()


def _broker() -> None:
    celery = current_app.extensions["celery"]
    with celery.connection_for_write() as connection:
        connection.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=READY_TIMEOUT)


def _redis(url: str) -> None:
    import redis

    client = redis.Redis.from_url(url, socket_timeout=READY_TIMEOUT, socket_connect_timeout=READY_TIMEOUT)
    try:
        client.ping()
    finally:
        client.close()
