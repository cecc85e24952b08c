"""Where a redirect may go: only to paths on this site."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from flask import url_for

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def safe_next(target: str | None) -> str:
    """Return ``target`` if it is a path on this site, else the home page.

    Control characters are refused outright: a CR or LF in a Location header
    is an error (or a header injection), and browsers drop tabs from URLs.
    """
    if target:
        target = target.strip()
        parts = urlsplit(target)
        on_site = target.startswith("/") and not target.startswith(("//", "/\\")) and not parts.scheme
        if on_site and not parts.netloc and not _CONTROL.search(target):
            return target
    return url_for("main.index")
