"""Database set-up that the ORM does not do by itself."""

from __future__ import annotations

import sqlite3

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

_listening = False


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
    # WAL lets readers go on while a worker writes; the busy timeout makes a
    # second writer wait instead of failing with "database is locked".
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def schema_missing(error: BaseException) -> bool:
    """True when ``error`` says a table does not exist: the migrations have not been run."""
    original = getattr(error, "orig", error)
    # PostgreSQL's SQLSTATE for an undefined table; SQLite only has the message.
    return getattr(original, "sqlstate", None) == "42P01" or "no such table" in str(original)
