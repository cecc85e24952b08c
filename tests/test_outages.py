"""A dependency fails while the blog serves: 503 pages for the database, uncached pages and
in-memory rate limits for Redis, one warning per minute, and recovery without a restart."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

import pytest
import requests
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.servers import RedisServer, Server, TCPProxy
from tests.support import free_port, wait_for

pytestmark = pytest.mark.slow


def _web(env, tmp_path, name="web") -> Server:
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "-w", "1", "-b", f"127.0.0.1:{port}", "blog:create_app()"]
    server = Server(env, str(tmp_path / f"{name}.log"), command, f"http://127.0.0.1:{port}")
    server.term_whole_group = True
    return server


def _postgres_url() -> str:
    """A PostgreSQL server to cut off: the suite's own, else the local one; skip when there is none."""
    url = os.environ.get("BLOG_TEST_DATABASE_URL") or "postgresql://postgres@127.0.0.1:5432/postgres"
    if not url.startswith("postgres"):
        url = "postgresql://postgres@127.0.0.1:5432/postgres"
    url = make_url(url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        create_engine(url, connect_args={"connect_timeout": 2}).connect().close()
    except Exception as error:
        pytest.skip(f"no PostgreSQL to cut off: {error}")
    return url


@pytest.fixture
def outage_database():
    """A database of its own on a real PostgreSQL, reached through a TCP proxy the test can cut."""
    url = _postgres_url()
    name = f"{url.database}_outage_{uuid.uuid4().hex[:6]}"  # several runs may share the server
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    proxy = TCPProxy(url.port or 5432).start()
    yield proxy, url.set(host="127.0.0.1", port=proxy.port, database=name).render_as_string(hide_password=False)
    proxy.stop()
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_database_down_gives_503_pages_then_recovers(test_env, outage_database, tmp_path):
    proxy, database_url = outage_database
    env = {**test_env, "DATABASE_URL": database_url}
    upgrade = subprocess.run([sys.executable, "manage.py", "db", "upgrade"], env=env, capture_output=True, text=True)
    assert upgrade.returncode == 0, upgrade.stderr
    web = _web(env, tmp_path)
    try:
        web.start()
        assert requests.get(web.url + "/", timeout=5).status_code == 200
        proxy.stop()
        for _ in range(5):
            page = requests.get(web.url + "/", timeout=10)
            assert page.status_code == 503 and page.headers["Retry-After"] == "5", page.text
            assert "Try again" in page.text or "try again" in page.text
            assert "<nav" in page.text  # in the layout
        api = requests.get(web.url + "/api/health", headers={"Accept": "application/json"}, timeout=10)
        assert api.status_code == 503 and api.json()["status"] == 503
        assert requests.get(web.url + "/readyz", timeout=10).json()["down"] == ["database"]
        proxy.start()
        wait_for(lambda: requests.get(web.url + "/", timeout=10).status_code == 200, 20, message="the blog to recover")
    finally:
        web.stop()
    log = web.full_log()
    assert "Traceback" not in log, log
    assert log.count("database unavailable, answering 503") == 1, log


def test_redis_down_serves_uncached_pages_and_limits_in_memory(test_env, app, make_post, tmp_path):
    make_post("Still readable")
    redis = RedisServer(str(tmp_path / "redis.log")).start()
    env = {**test_env, "CACHE_REDIS_URL": f"{redis.url}/0", "RATELIMIT_STORAGE_URI": f"{redis.url}/1"}
    web = _web(env, tmp_path)
    try:
        web.start()
        requests.get(web.url + "/", timeout=5)
        assert requests.get(web.url + "/", timeout=5).headers["X-Cache"] == "hit"
        redis.stop()
        for _ in range(5):
            page = requests.get(web.url + "/", timeout=5)
            assert page.status_code == 200 and "Still readable" in page.text
            assert page.headers.get("X-Cache") != "hit"
        # The login limit (10 failures a minute per address) still holds, counted in this worker's memory.
        codes = [
            requests.post(
                web.url + "/auth/login", data={"username": f"g{n}", "password": "wrong"}, timeout=5
            ).status_code
            for n in range(11)
        ]
        assert codes == [200] * 10 + [429], codes
        redis.start()
        requests.get(web.url + "/", timeout=5)
        wait_for(lambda: requests.get(web.url + "/", timeout=5).headers.get("X-Cache") == "hit", 10, message="a hit")
    finally:
        web.stop()
        redis.stop()
    log = web.full_log()
    assert "Traceback" not in log, log
    assert log.count("page cache unavailable") == 1, log
    # Login attempts are charged by blog.auth.limits itself (atomically, before the password check).
    assert log.count("counting logins in memory") == 1, log


def test_locked_sqlite_database_gives_503_to_writers_then_recovers(test_env, tmp_path):
    import sqlite3

    path = tmp_path / "locked" / "blog.db"
    env = {**test_env, "DATABASE_URL": f"sqlite:///{path}", "SQLITE_BUSY_TIMEOUT": "0.5"}
    upgrade = subprocess.run([sys.executable, "manage.py", "db", "upgrade"], env=env, capture_output=True, text=True)
    assert upgrade.returncode == 0, upgrade.stderr
    web = _web(env, tmp_path, "locked")
    form = {"username": "lockout", "email": "lockout@example.org", "password": "a long password"}
    form["confirm"] = form["password"]
    lock = sqlite3.connect(path, isolation_level=None)
    try:
        web.start()
        lock.execute("BEGIN IMMEDIATE")  # another writer holds the lock (a long migration, a stuck script)
        assert requests.get(web.url + "/", timeout=10).status_code == 200  # readers go on (WAL)
        page = requests.post(web.url + "/auth/register", data=form, timeout=10, allow_redirects=False)
        # (Flask-Limiter raises Retry-After to the limit's reset on rate-limited pages such as this one.)
        assert page.status_code == 503 and int(page.headers["Retry-After"]) >= 5 and "<nav" in page.text, page.text
        lock.execute("ROLLBACK")
        page = requests.post(web.url + "/auth/register", data=form, timeout=10, allow_redirects=False)
        assert page.status_code == 302, page.text
    finally:
        lock.close()
        web.stop()
    assert "Traceback" not in web.full_log(), web.log()
