"""Consistent copies of the database (and the uploads folder) while the blog serves, and putting one back.

A backup is a folder: ``database.sqlite3`` (SQLite's online backup API, a
consistent snapshot even while others write) or ``database.dump``
(``pg_dump --format=custom``, one transaction's snapshot), an ``uploads/``
copy when there is an uploads folder, and ``backup.json`` saying which.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
from datetime import UTC, datetime

from flask import current_app
from sqlalchemy import inspect, text

from blog.extensions import db

MANIFEST = "backup.json"
FILES = {"sqlite": "database.sqlite3", "postgresql": "database.dump"}


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why and what to do."""


def default_destination() -> str:
    """``<instance>/backups/<UTC time>``."""
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    return os.path.join(current_app.instance_path, "backups", stamp)


def uploads_folder() -> str:
    """The uploads folder (``UPLOAD_FOLDER``, else ``<instance>/uploads``), whether or not it exists."""
    return current_app.config.get("UPLOAD_FOLDER") or os.path.join(current_app.instance_path, "uploads")


def backup(destination: str) -> dict:
    """Write a backup folder at ``destination``; return its manifest."""
    if os.path.exists(destination) and os.listdir(destination):
        raise BackupError(f"{destination} exists and is not empty; choose a new folder with --to")
    os.makedirs(destination, exist_ok=True)
    dialect = db.engine.dialect.name
    if dialect not in FILES:
        raise BackupError(f"cannot back up a {dialect} database; use its own tools")
    target = os.path.join(destination, FILES[dialect])
    (_sqlite_backup if dialect == "sqlite" else _pg_dump)(target)
    manifest = {"dialect": dialect, "database": FILES[dialect], "created_at": datetime.now(UTC).isoformat()}
    if os.path.isdir(uploads_folder()):
        shutil.copytree(uploads_folder(), os.path.join(destination, "uploads"))
        manifest["uploads"] = "uploads"
    with open(os.path.join(destination, MANIFEST), "w") as file:
        json.dump(manifest, file, indent=2)
    return manifest


def restore(source: str, force: bool = False) -> dict:
    """Replace the database (and uploads) with the backup at ``source``; refuse over content unless ``force``."""
    manifest = read_manifest(source)
    dialect = db.engine.dialect.name
    if manifest["dialect"] != dialect:
        raise BackupError(f"{source} holds a {manifest['dialect']} backup; this blog runs on {dialect}")
    if not force and holds_content():
        raise BackupError("the database holds users or posts; restoring would overwrite them (add --force)")
    db.engine.dispose()  # no pooled connection may keep the old contents
    path = os.path.join(source, manifest["database"])
    (_sqlite_restore if dialect == "sqlite" else _pg_restore)(path)
    if manifest.get("uploads"):
        shutil.copytree(os.path.join(source, manifest["uploads"]), uploads_folder(), dirs_exist_ok=True)
    return manifest


def read_manifest(source: str) -> dict:
    """Return the backup's manifest, or raise ``BackupError`` when ``source`` is not a backup folder."""
    try:
        with open(os.path.join(source, MANIFEST)) as file:
            return json.load(file)
    except (OSError, ValueError) as error:
        raise BackupError(f"{source} is not a backup folder written by manage.py backup ({error})") from None


def holds_content() -> bool:
    """True when the database has any user or post (an empty or unmigrated one has none)."""
    tables = inspect(db.engine).get_table_names()
    with db.engine.connect() as connection:
        return any(
            connection.execute(text(f"SELECT 1 FROM {table} LIMIT 1")).first()  # noqa: S608 (fixed names)
            for table in ("users", "posts")
            if table in tables
        )


def _sqlite_path() -> str:
    return db.engine.url.database


def _sqlite_backup(target: str) -> None:
    source = sqlite3.connect(_sqlite_path())
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)  # page by page, restarting if a writer changes what was copied
    finally:
        copy.close()
        source.close()


def _sqlite_restore(path: str) -> None:
    source = sqlite3.connect(path)
    live = sqlite3.connect(_sqlite_path())
    try:
        source.backup(live)
    finally:
        live.close()
        source.close()


def _libpq_url() -> str:
    """The database URL as pg_dump takes it: no SQLAlchemy driver name, no password (see ``_run``)."""
    return db.engine.url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)


def _pg_dump(target: str) -> None:
    _run(["pg_dump", "--format=custom", "--no-owner", "--file", target, _libpq_url()])


def _pg_restore(path: str) -> None:
    options = ["--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction"]
    _run(["pg_restore", *options, "--dbname", _libpq_url(), path])


def _run(command: list[str]) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(
            f"{command[0]} is not installed; install PostgreSQL's client tools (apt-get install postgresql-client)"
        )
    # The password goes in the environment: on the command line, ps would show it to every user.
    env = {**os.environ, **({"PGPASSWORD": db.engine.url.password} if db.engine.url.password else {})}
    result = subprocess.run(command, capture_output=True, text=True, env=env)  # noqa: S603 (our own arguments)
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()[:500]}")
