"""``BLOG_PROXY_COUNT``: X-Forwarded-* trusted for N proxies, ignored (with one warning) without it."""

from __future__ import annotations

import logging

import pytest
from flask import request, url_for

from blog import proxy


@pytest.fixture
def behind_proxies(app, config_override):
    """``behind_proxies(n)`` re-wraps the app's WSGI layer for ``n`` proxies (0: none); restored after."""
    saved = app.wsgi_app

    def wrap(count: int):
        config_override(BLOG_PROXY_COUNT=count)
        app.wsgi_app = saved
        proxy.init_app(app)
        return app.test_client()

    yield wrap
    app.wsgi_app = saved


def _fail_login(client, n, forwarded_for):
    return client.post(
        "/auth/login",
        data={"username": f"guess{n}", "password": "wrong wrong wrong"},
        headers={"X-Forwarded-For": forwarded_for},
        environ_base={"REMOTE_ADDR": "10.9.0.1"},
    )


def test_spoofed_forwarded_for_does_not_move_the_rate_limit_without_proxies(behind_proxies):
    client = behind_proxies(0)
    for n in range(10):
        assert _fail_login(client, n, f"198.51.100.{n}").status_code == 200
    assert _fail_login(client, 99, "198.51.100.99").status_code == 429


def test_behind_one_proxy_the_limit_counts_the_forwarded_client(behind_proxies):
    client = behind_proxies(1)
    for n in range(10):
        assert _fail_login(client, n, "203.0.113.7").status_code == 200
    assert _fail_login(client, 10, "203.0.113.7").status_code == 429
    assert _fail_login(client, 11, "203.0.113.8").status_code == 200  # another visitor, same proxy


@pytest.mark.parametrize(
    ("count", "address", "external"),
    [(0, "10.9.0.1", "http://localhost/"), (1, "203.0.113.9", "https://blog.example.org/")],
)
def test_client_address_and_external_urls_follow_the_headers_only_behind_proxies(
    behind_proxies, count, address, external
):
    headers = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https", "X-Forwarded-Host": "blog.example.org"}
    with behind_proxies(count) as client:
        client.get("/healthz", headers=headers, environ_base={"REMOTE_ADDR": "10.9.0.1"})
        assert request.remote_addr == address
        assert url_for("main.index", _external=True) == external


def test_forwarded_for_without_proxy_count_warns_once(behind_proxies, caplog):
    client = behind_proxies(0)
    with caplog.at_level(logging.WARNING, logger="blog.proxy"):
        for _ in range(3):
            client.get("/healthz", headers={"X-Forwarded-For": "203.0.113.1"})
    warnings = [r for r in caplog.records if "BLOG_PROXY_COUNT is unset" in r.getMessage()]
    assert len(warnings) == 1


def test_check_warns_about_memory_rate_limits_with_several_workers(app, config_override, monkeypatch):
    monkeypatch.setenv("GUNICORN_WORKERS", "3")
    config_override(RATELIMIT_STORAGE_URI="memory://")
    output = app.test_cli_runner().invoke(args=["check", "--timeout", "0.1"]).output
    assert "RATELIMIT_STORAGE_URI is memory:// with 3 workers" in output
    monkeypatch.setenv("GUNICORN_WORKERS", "1")
    assert "RATELIMIT_STORAGE_URI" not in app.test_cli_runner().invoke(args=["check", "--timeout", "0.1"]).output
