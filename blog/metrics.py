"""``/metrics`` in Prometheus's text format: requests, the page cache, the outbox and the periodic jobs.

Off unless ``METRICS_ENABLED``, and then only for addresses in ``METRICS_ALLOW``.
Request and cache figures are counted in each web process; under gunicorn set
``PROMETHEUS_MULTIPROC_DIR`` (``gunicorn.conf.py`` does) and every worker's
counts are summed. The outbox and the periodic jobs are read from the database
at each scrape, so the Celery workers' figures (sends and failures by kind, the
oldest pending mail, each job's last run) need no port of their own.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Iterator
from typing import Any

from flask import Blueprint, Flask, abort, current_app, request
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func

from blog.extensions import db
from blog.models import JobHeartbeat, OutboxMessage, OutboxStatus, utcnow

bp = Blueprint("metrics", __name__)
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
#: The request metrics of this process (or, in multiprocess mode, its share in the files).
_registry = CollectorRegistry()
REQUESTS = Counter("blog_http_requests", "HTTP requests", ["endpoint", "method", "status"], registry=_registry)
LATENCY = Histogram("blog_http_request_duration_seconds", "Time to answer a request", ["endpoint"], registry=_registry)
PAGE_CACHE = Counter("blog_page_cache", "Page cache lookups of cacheable pages", ["result"], registry=_registry)


def observe_request(environ: dict[str, Any], status: str, headers: list[tuple[str, str]], seconds: float) -> None:
    """Count one answered request (called by the request-id middleware, so cache hits count too)."""
    endpoint = environ.get("blog.endpoint") or ("page_cache" if _header(headers, "X-Cache") == "hit" else "none")
    REQUESTS.labels(endpoint, environ.get("REQUEST_METHOD", "-"), status).inc()
    LATENCY.labels(endpoint).observe(seconds)
    if result := _header(headers, "X-Cache"):
        PAGE_CACHE.labels(result).inc()


def init_app(app: Flask) -> None:
    """Name each request's endpoint for the counters (a cache hit never reaches Flask, so it has none)."""

    @app.before_request
    def _name_endpoint() -> None:
        request.environ["blog.endpoint"] = request.endpoint or "none"


@bp.get("/metrics")
def metrics() -> tuple[bytes, int, dict[str, str]]:
    if not current_app.config["METRICS_ENABLED"]:
        abort(404)
    if not _allowed(request.remote_addr or ""):
        abort(403, "Metrics are only served to the addresses in METRICS_ALLOW.")
    body = generate_latest(_request_registry()) + generate_latest(_database_registry())
    return body, 200, {"Content-Type": CONTENT_TYPE, "Cache-Control": "no-store"}


def _request_registry() -> CollectorRegistry:
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return _registry
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    return registry


def _database_registry() -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_DatabaseCollector())
    return registry


def _allowed(address: str) -> bool:
    try:
        client = ipaddress.ip_address(address)
    except ValueError:
        return False
    for network in str(current_app.config["METRICS_ALLOW"]).split(","):
        if network.strip() and client in ipaddress.ip_network(network.strip(), strict=False):
            return True
    return False


def _header(headers: list[tuple[str, str]], name: str) -> str | None:
    return next((value for key, value in headers if key.lower() == name.lower()), None)


class _DatabaseCollector(Collector):
    """The outbox and the periodic jobs, as the database holds them at scrape time."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        rows = GaugeMetricFamily("blog_outbox_messages", "Outbox rows by state and kind", labels=["state", "kind"])
        query = db.select(OutboxMessage.status, OutboxMessage.kind, func.count()).group_by(
            OutboxMessage.status, OutboxMessage.kind
        )
        for state, kind, count in db.session.execute(query):
            rows.add_metric([str(state), kind], count)
        yield rows
        oldest = db.session.scalar(
            db.select(func.min(OutboxMessage.due_at)).where(
                OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.due_at <= utcnow()
            )
        )
        age = GaugeMetricFamily("blog_outbox_oldest_pending_seconds", "Age of the oldest due, unsent mail")
        age.add_metric([], (utcnow() - oldest).total_seconds() if oldest else 0.0)
        yield age
        runs = GaugeMetricFamily("blog_job_last_run_timestamp_seconds", "Last run of each periodic job", labels=["job"])
        for beat in db.session.execute(db.select(JobHeartbeat)).scalars():
            runs.add_metric([beat.name], beat.last_run_at.timestamp())
        yield runs
