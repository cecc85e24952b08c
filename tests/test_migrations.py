"""The Alembic history builds the models' schema, and goes down and up again cleanly."""

import os
import subprocess
import sys
import uuid

import pytest
from sqlalchemy import create_engine, inspect, text

from config import normalise_database_url
from tests.support import PROJECT_ROOT


def _manage(database_url, tmp_path, *args):
    env = dict(os.environ, DATABASE_URL=database_url, BLOG_INSTANCE_PATH=str(tmp_path), BLOG_ENV="test")
    return subprocess.run(
        [sys.executable, "manage.py", "db", *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _tables(url):
    engine = create_engine(normalise_database_url(url))
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def scratch_database(request, tmp_path):
    """An empty database: a SQLite file, or a fresh schema in the PostgreSQL test database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/migrations.db"
        return
    base = os.environ.get("BLOG_TEST_DATABASE_URL", "")
    if not base.startswith("postgres"):
        pytest.skip("set BLOG_TEST_DATABASE_URL to a PostgreSQL database to check migrations there")
    schema = f"migrations_{uuid.uuid4().hex[:8]}"
    engine = create_engine(normalise_database_url(base))
    with engine.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    separator = "&" if "?" in base else "?"
    yield f"{base}{separator}options=-csearch_path%3D{schema}"
    with engine.begin() as connection:
        connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    engine.dispose()


def test_migrations_match_the_models_and_go_down_and_up(scratch_database, tmp_path):
    upgrade = _manage(scratch_database, tmp_path, "upgrade")
    assert upgrade.returncode == 0, upgrade.stderr
    assert {"users", "posts", "comments", "tags", "reminders", "outbox"} <= _tables(scratch_database)

    check = _manage(scratch_database, tmp_path, "check")
    assert check.returncode == 0, f"models and migrations differ:\n{check.stdout}\n{check.stderr}"

    down = _manage(scratch_database, tmp_path, "downgrade", "base")
    assert down.returncode == 0, down.stderr
    assert _tables(scratch_database) <= {"alembic_version"}

    up_again = _manage(scratch_database, tmp_path, "upgrade", "head")
    assert up_again.returncode == 0, up_again.stderr
    assert _manage(scratch_database, tmp_path, "check").returncode == 0
