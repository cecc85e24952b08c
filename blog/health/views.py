"""Routes of the ``health`` blueprint; never cached, never rate-limited, no login."""

from __future__ import annotations

from flask import Blueprint, jsonify

from blog.extensions import csrf, limiter
from blog.health.checks import run_checks

bp = Blueprint("health", __name__)
csrf.exempt(bp)
limiter.exempt(bp)


@bp.get("/healthz")
def liveness():
    """Answer 200 while the process serves requests; touches nothing else."""
    return _no_store(jsonify(status="ok"))


@bp.get("/readyz")
def readiness():
    """Answer 200 when every service is up, else 503 naming what is down."""
    checks = run_checks()
    down = [check.name for check in checks if check.state != "up"]
    body = jsonify(status="down" if down else "ok", down=down, checks=[check.as_dict() for check in checks])
    response = _no_store(body)
    if down:
        response.status_code = 503
        response.headers["Retry-After"] = "5"
    return response


def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response
