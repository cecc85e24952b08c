"""Test-only, loaded into workers with ``--include tests.run_counter``: each task a worker starts
is counted in the table ``test_task_runs`` of the test database (the test creates and drops it)."""

from __future__ import annotations

import os
import time

from celery.signals import task_prerun
from sqlalchemy import create_engine, text

from config import normalise_database_url

TABLE = "test_task_runs"
CREATE = f"CREATE TABLE IF NOT EXISTS {TABLE} (task VARCHAR(200) NOT NULL, task_id VARCHAR(64) NOT NULL, at FLOAT)"
_engine = None


def _connection():
    global _engine
    if _engine is None:  # opened in the pool process, after the fork
        _engine = create_engine(normalise_database_url(os.environ["DATABASE_URL"]))
    return _engine.begin()


@task_prerun.connect(weak=False)
def _count(sender=None, task_id=None, **_):
    with _connection() as connection:
        connection.execute(
            text(f"INSERT INTO {TABLE} (task, task_id, at) VALUES (:task, :id, :at)"),  # noqa: S608 (fixed names)
            {"task": sender.name, "id": task_id, "at": time.time()},
        )
