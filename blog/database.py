"""Database set-up that the ORM does not do by itself."""

from __future__ import annotations

import sqlite3

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

_listening = False
_DRIVER_DEFAULT_BUSY_MS = 5000  # sqlite3.connect(timeout=5.0)


def init_app(app: Flask) -> None:
    """Make SQLite fit for a web process and workers sharing one file."""
    global _listening
    if not _listening:
        event.listen(Engine, "connect", _tune_sqlite)
        _listening = True


def _tune_sqlite(dbapi_connection, _record) -> None:
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    cursor = dbapi_connection.cursor()
    # WAL lets readers go on while a worker writes. A second writer waits instead of
    # failing at once with "database is locked": the blog's engine for the driver's
    # ``timeout`` (SQLITE_BUSY_TIMEOUT, set by config.py; past it pages answer 503),
    # other engines (the embedded broker, the results) for 15 s rather than the driver's default 5 s.
    cursor.execute("PRAGMA journal_mode=WAL")
    if cursor.execute("PRAGMA busy_timeout").fetchone()[0] == _DRIVER_DEFAULT_BUSY_MS:
        cursor.execute("PRAGMA busy_timeout=15000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def schema_missing(error: BaseException) -> bool:
    """True when ``error`` says a table does not exist: the migrations have not been run."""
    original = getattr(error, "orig", error)
    # PostgreSQL's SQLSTATE for an undefined table; SQLite only has the message.
    return getattr(original, "sqlstate", None) == "42P01" or "no such table" in str(original)
