"""Where a redirect may go: only to paths on this site."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import url_for


def safe_next(target: str | None) -> str:
    """Return ``target`` if it is a path on this site, else the home page."""
    if target:
        target = target.strip()
        parts = urlsplit(target)
        if target.startswith("/") and not target.startswith(("//", "/\\")) and not parts.scheme and not parts.netloc:
            return target
    return url_for("main.index")
