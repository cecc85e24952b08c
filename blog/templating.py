"""Template helpers: content-hashed static URLs and reader-friendly times."""

from __future__ import annotations

import hashlib
import os
from datetime import UTC, datetime

from flask import Flask, current_app

from blog.models.types import utcnow

ONE_YEAR = 365 * 24 * 3600
_hashes: dict[str, tuple[float, str]] = {}


def init_app(app: Flask) -> None:
    app.url_defaults(_add_static_hash)
    app.jinja_env.filters["timeago"] = timeago
    app.jinja_env.filters["isotime"] = isotime
    app.jinja_env.globals["blog_name"] = lambda: current_app.config["BLOG_NAME"]
    app.get_send_file_max_age = _static_max_age


def static_hash(filename: str) -> str | None:
    """Return a short hash of the static file's content (recomputed when the file changes)."""
    path = os.path.join(current_app.static_folder, filename)
    try:
        mtime = os.stat(path).st_mtime
    except OSError:
        return None
    cached = _hashes.get(path)
    if cached is None or cached[0] != mtime:
        with open(path, "rb") as handle:
            cached = (mtime, hashlib.sha256(handle.read()).hexdigest()[:12])
        _hashes[path] = cached
    return cached[1]


def _add_static_hash(endpoint: str, values: dict) -> None:
    if endpoint == "static" and "filename" in values and "v" not in values:
        digest = static_hash(values["filename"])
        if digest:
            values["v"] = digest


def _static_max_age(filename: str | None) -> int | None:
    # A URL carrying the content hash never changes meaning: cache it for a year.
    from flask import request

    return ONE_YEAR if request.args.get("v") else None


def timeago(moment: datetime | None, now: datetime | None = None) -> str:
    """Say how long ago ``moment`` was, the way people do ("3 hours ago")."""
    if moment is None:
        return ""
    now = now or utcnow()
    seconds = int((now - moment).total_seconds())
    future = seconds < 0
    seconds = abs(seconds)
    for unit, size in (
        ("year", 31536000),
        ("month", 2592000),
        ("week", 604800),
        ("day", 86400),
        ("hour", 3600),
        ("minute", 60),
    ):
        if seconds >= size:
            count = seconds // size
            text = f"{count} {unit}{'s' if count != 1 else ''}"
            return f"in {text}" if future else f"{text} ago"
    return "in a moment" if future else "just now"


def isotime(moment: datetime | None) -> str:
    """The exact UTC time, for ``<time datetime>`` and the hover title."""
    if moment is None:
        return ""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
