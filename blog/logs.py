"""Logging: readable text or one JSON object a line, to stderr or to daily-rotated files.

``LOG_FORMAT=json`` gives one JSON object per line with the time, level,
logger, message, request id, user id, task id and name, and duration where
known. ``LOG_DIR`` writes ``app.log`` and ``access.log`` (the web) or
``worker.log`` (Celery), rotated daily and kept ``LOG_RETENTION_DAYS``;
without it everything goes to stderr, as twelve-factor apps do.
"""

from __future__ import annotations

import json
import logging
import logging.handlers
import os
from datetime import UTC, datetime
from typing import Any

from celery import current_task
from flask import Flask, g, has_request_context

from blog.request_ids import current_request_id

_HANDLER_MARK = "_blog_handler"
_CONTEXT_FIELDS = ("request_id", "user_id", "task_id", "task_name")


def configure_logging(app: Flask, process: str = "app") -> None:
    """Log the blog's own messages at ``LOG_LEVEL`` for ``process`` (``app`` or ``worker``); libraries only warn."""
    level = app.config["LOG_LEVEL"].upper()
    formatter: logging.Formatter = JsonFormatter() if app.config["LOG_FORMAT"] == "json" else TextFormatter()
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    blog_logger, access_logger = logging.getLogger("blog"), logging.getLogger("blog.access")
    _replace_handler(blog_logger, _handler(app, process, formatter))
    _replace_handler(access_logger, _handler(app, "access", formatter))
    access_logger.propagate = False  # its lines go to access.log only, not app.log too
    blog_logger.setLevel(level)  # the same logger as ``app.logger`` (the app is named "blog")
    blog_logger.propagate = False  # its own handler writes it; the root's would write it twice


def _handler(app: Flask, name: str, formatter: logging.Formatter) -> logging.Handler:
    folder = app.config.get("LOG_DIR")
    handler: logging.Handler
    if folder:
        os.makedirs(folder, exist_ok=True)
        handler = logging.handlers.TimedRotatingFileHandler(
            os.path.join(folder, f"{name}.log"),
            when="midnight",
            backupCount=int(app.config["LOG_RETENTION_DAYS"]),
            encoding="utf-8",
            utc=True,
        )
    else:
        handler = logging.StreamHandler()
    handler.setFormatter(formatter)
    handler.addFilter(ContextFilter())
    setattr(handler, _HANDLER_MARK, True)
    return handler


def _replace_handler(logger: logging.Logger, handler: logging.Handler) -> None:
    """One blog handler per logger, however many apps a process builds (tests build several)."""
    for old in [h for h in logger.handlers if getattr(h, _HANDLER_MARK, False)]:
        logger.removeHandler(old)
        old.close()
    logger.addHandler(handler)


class ContextFilter(logging.Filter):
    """Adds the request id, the user id and the Celery task to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = current_request_id()
        record.user_id = getattr(record, "user_id", None) or _user_id()
        record.task_id, record.task_name = _task()
        return True


def _user_id() -> int | None:
    # Only a user Flask-Login already loaded: loading one here could query inside a log call.
    if not has_request_context():
        return None
    user = g.get("_login_user")
    return getattr(user, "id", None) if getattr(user, "is_authenticated", False) else None


def _task() -> tuple[str | None, str | None]:
    if current_task is None or not getattr(current_task, "request", None) or current_task.request.id is None:
        return None, None
    return current_task.request.id, current_task.name


class TextFormatter(logging.Formatter):
    """``time LEVEL logger: message [request=… user=… task=…]``: readable, with the context that is known."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        known = [
            f"{name.removesuffix('_id')}={getattr(record, name)}"
            for name in _CONTEXT_FIELDS
            if getattr(record, name, None)
        ]
        return f"{line} [{' '.join(known)}]" if known else line


class JsonFormatter(logging.Formatter):
    """One JSON object per line, for log shippers."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update({name: getattr(record, name) for name in _CONTEXT_FIELDS if getattr(record, name, None)})
        for name in ("duration_ms", "status", "path"):
            if getattr(record, name, None) is not None:
                entry[name] = getattr(record, name)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)
