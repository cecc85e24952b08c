"""Warnings that say a dependency is down once a minute, not once per request."""

from __future__ import annotations

import logging
import threading
import time

log = logging.getLogger("blog.dependencies")

#: Seconds between two warnings about the same thing.
WARN_EVERY = 60.0

_last: dict[str, float] = {}
_lock = threading.Lock()


def warn_throttled(topic: str, message: str, *args) -> bool:
    """Log ``message`` at WARNING unless ``topic`` was warned about in the last minute; True if logged."""
    now = time.monotonic()
    with _lock:
        if now - _last.get(topic, -WARN_EVERY) < WARN_EVERY:
            return False
        _last[topic] = now
    log.warning(message, *args)
    return True
