"""Request ids: every request gets one, it is sent back, put on every log line, and carried to the tasks it caused.

The middleware is the outermost WSGI layer, so requests the page cache answers
before Flask get an id and an access-log line too, and a cached response never
replays the id of the request that filled the cache (the id is added after the
cache, never stored in it).
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from typing import Any

from celery.signals import before_task_publish, task_postrun, task_prerun
from flask import Flask

HEADER = "X-Request-ID"
#: The Celery message header that carries the id from the web to the worker.
TASK_HEADER = "blog_request_id"
_VALID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
_current: ContextVar[str | None] = ContextVar("blog_request_id", default=None)
access_log = logging.getLogger("blog.access")
#: Called with (environ, status code, response headers, seconds) once a response is sent (the metrics).
Observer = Callable[[dict[str, Any], str, list[tuple[str, str]], float], None]


def current_request_id() -> str | None:
    """The id of the request (or of the request that caused the task) being handled, if any."""
    return _current.get()


def init_app(app: Flask) -> None:
    """Carry the request id into the headers of every task published, and back out of them in the worker."""
    before_task_publish.connect(_add_to_task_headers, weak=False, dispatch_uid="blog-request-id-publish")
    task_prerun.connect(_adopt_from_task, weak=False, dispatch_uid="blog-request-id-prerun")
    task_postrun.connect(_forget_after_task, weak=False, dispatch_uid="blog-request-id-postrun")


class RequestIdMiddleware:
    """Give every request an id (a trusted proxy's ``X-Request-ID``, else a new one) and log its access."""

    def __init__(self, wsgi_app: Any, trust_incoming: bool, observers: tuple[Observer, ...] = ()):
        self.wsgi_app, self.trust_incoming, self.observers = wsgi_app, trust_incoming, observers

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        request_id = self._incoming(environ) or uuid.uuid4().hex
        environ["blog.request_id"] = request_id
        started = time.perf_counter()
        seen: dict[str, Any] = {}

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            seen["status"], seen["headers"] = status, headers
            kept = [(name, value) for name, value in headers if name.lower() != HEADER.lower()]
            return start_response(status, [*kept, (HEADER, request_id)], exc_info)

        token = _current.set(request_id)
        try:
            body = self.wsgi_app(environ, start)
        finally:
            _current.reset(token)
        return _LoggedBody(body, environ, seen, started, request_id, self.observers)

    def _incoming(self, environ: dict[str, Any]) -> str | None:
        # A client could choose its own id to confuse the logs; only a trusted proxy's counts.
        value = environ.get("HTTP_X_REQUEST_ID", "") if self.trust_incoming else ""
        return value if _VALID.match(value) else None


class _LoggedBody:
    """The response body; the access line is written once, when it has all been sent or is closed."""

    def __init__(
        self,
        body: Iterable[bytes],
        environ: dict[str, Any],
        seen: dict,
        started: float,
        request_id: str,
        observers: tuple[Observer, ...],
    ):
        self.body, self.environ, self.seen, self.started, self.request_id = body, environ, seen, started, request_id
        self.observers, self.logged = observers, False

    def __iter__(self) -> Iterator[bytes]:
        yield from self.body
        self._log()

    def close(self) -> None:
        try:
            if hasattr(self.body, "close"):
                self.body.close()
        finally:
            self._log()

    def _log(self) -> None:
        if self.logged:
            return
        self.logged = True
        seconds = time.perf_counter() - self.started
        duration_ms = round(seconds * 1000, 1)
        path = self.environ.get("PATH_INFO", "")
        status = self.seen.get("status", "-").split(" ", 1)[0]
        for observe in self.observers:
            observe(self.environ, status, self.seen.get("headers", []), seconds)
        access_log.info(
            "%s %s %s %.1fms",
            self.environ.get("REQUEST_METHOD", "-"),
            path,
            status,
            duration_ms,
            extra={"request_id": self.request_id, "duration_ms": duration_ms, "status": status, "path": path},
        )


def _add_to_task_headers(headers: dict[str, Any] | None = None, **_kwargs: Any) -> None:
    request_id = _current.get()
    if request_id and headers is not None:
        headers.setdefault(TASK_HEADER, request_id)


def _adopt_from_task(task: Any = None, **_kwargs: Any) -> None:
    request = getattr(task, "request", None)
    request_id = getattr(request, TASK_HEADER, None) or (getattr(request, "headers", None) or {}).get(TASK_HEADER)
    _current.set(request_id if isinstance(request_id, str) and _VALID.match(request_id) else None)


def _forget_after_task(**_kwargs: Any) -> None:
    _current.set(None)
