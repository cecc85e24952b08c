"""Warnings about settings that work on a laptop but are wrong for several processes or behind a proxy."""

from __future__ import annotations

import logging
import multiprocessing
import os

log = logging.getLogger("blog.production")


def default_workers() -> int:
    """The number of gunicorn workers ``serve`` starts: ``GUNICORN_WORKERS`` or 2 x cores + 1."""
    return int(os.environ.get("GUNICORN_WORKERS") or multiprocessing.cpu_count() * 2 + 1)


def deployment_warnings(config, workers: int) -> list[str]:
    """Return what is wrong with ``config`` for ``workers`` web processes."""
    warnings = []
    if workers > 1 and config["RATELIMIT_STORAGE_URI"].startswith("memory://"):
        warnings.append(
            f"RATELIMIT_STORAGE_URI is memory:// with {workers} workers: each worker counts on its own, "
            "so every limit is really multiplied by the number of workers; set RATELIMIT_STORAGE_URI=redis://…"
        )
    return warnings


def warn_about_deployment(app, workers: int) -> None:
    """Log each of :func:`deployment_warnings` once (gunicorn's first worker calls this)."""
    for warning in deployment_warnings(app.config, workers):
        log.warning(warning)
