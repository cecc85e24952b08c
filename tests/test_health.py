"""``/healthz`` (liveness) and ``/readyz`` (readiness), against real services that go down and come back."""

from __future__ import annotations

import sys

import pytest
import requests

from tests.servers import RedisServer, Server
from tests.support import free_port, wait_for


def test_liveness_answers_without_touching_anything(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json == {"status": "ok"}
    assert response.headers["Cache-Control"] == "no-store"


def test_readiness_lists_each_check_and_is_never_cached(client):
    for _ in range(2):  # a cookie-less GET twice: the page cache would answer the second
        response = client.get("/readyz")
        assert response.status_code == 200, response.json
        assert "X-Cache" not in response.headers and response.headers["Cache-Control"] == "no-store"
    checks = {check["name"]: check for check in response.json["checks"]}
    assert {"database", "broker"} <= set(checks)
    assert all(check["state"] == "up" and check["duration_ms"] >= 0 for check in checks.values())


def _ready(url):
    response = requests.get(url + "/readyz", timeout=10)
    return response.status_code, response.json()


@pytest.mark.slow
def test_readiness_names_what_is_down_and_recovers(test_env, app, tmp_path):
    redis = RedisServer(str(tmp_path / "redis.log"))  # not started yet: the broker and cache are down
    env = {**test_env, "CELERY_BROKER_URL": f"{redis.url}/0", "CACHE_REDIS_URL": f"{redis.url}/1"}
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "-w", "1", "-b", f"127.0.0.1:{port}", "blog:create_app()"]
    web = Server(env, str(tmp_path / "web.log"), command, f"http://127.0.0.1:{port}")
    web.term_whole_group = True
    try:
        web.start()
        status, body = _ready(web.url)
        assert status == 503 and body["down"] == ["broker", "cache"], body
        assert {c["name"]: c["state"] for c in body["checks"]}["database"] == "up"
        redis.start()
        assert wait_for(lambda: _ready(web.url)[0] == 200, 15, message="/readyz to answer 200")
        redis.stop()
        status, body = _ready(web.url)
        assert status == 503 and body["down"] == ["broker", "cache"], body
        assert requests.get(web.url + "/healthz", timeout=5).status_code == 200
        assert requests.get(web.url + "/", timeout=5).status_code == 200  # pages go on, uncached
        redis.start()
        wait_for(lambda: _ready(web.url)[0] == 200, 15, message="/readyz to answer 200 again")
    finally:
        web.stop()
        redis.stop()
