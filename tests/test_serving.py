"""``manage.py serve`` and ``gunicorn -c gunicorn.conf.py``: gunicorn as production runs it."""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys

import pytest
import requests

from tests.servers import Server
from tests.support import free_port, wait_for


def _workers_of(pid: int) -> set[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout
    return {int(p) for p in out.split()}


@pytest.fixture
def serve(test_env, app, tmp_path):
    """Start a web server command on a free port; every one is stopped after the test."""
    started = []

    def start(*args: str) -> Server:
        port = free_port()
        command = [a.replace("{port}", str(port)) for a in args]
        server = Server(test_env, str(tmp_path / f"web{len(started)}.log"), command, f"http://127.0.0.1:{port}")
        server.term_whole_group = True
        started.append(server)
        return server.start()

    yield start
    for server in started:
        server.stop()


@pytest.mark.slow
def test_serve_runs_gunicorn_threads_and_reloads_on_sighup(serve, make_post):
    make_post("Served by gunicorn")
    server = serve(sys.executable, "manage.py", "serve", "--port", "{port}", "--workers", "2", "--threads", "2")
    page = requests.get(server.url + "/", timeout=5)
    assert page.status_code == 200 and "Served by gunicorn" in page.text
    assert "Using worker: gthread" in server.full_log()
    # serve execs gunicorn: the process we started is the arbiter, and its signals are gunicorn's.
    before = wait_for(lambda: len(_workers_of(server.process.pid)) == 2 and _workers_of(server.process.pid), 30)
    os.kill(server.process.pid, signal.SIGHUP)
    after = wait_for(lambda: (w := _workers_of(server.process.pid)) and len(w) == 2 and not (w & before) and w, 30)
    assert after and requests.get(server.url + "/", timeout=5).status_code == 200


@pytest.mark.slow
def test_plain_gunicorn_with_the_config_starts_two_per_core_plus_one_sync_workers(serve):
    bind = "127.0.0.1:{port}"
    server = serve(sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "-b", bind, "blog:create_app()")
    assert requests.get(server.url + "/", timeout=5).status_code == 200
    expected = multiprocessing.cpu_count() * 2 + 1
    wait_for(lambda: len(_workers_of(server.process.pid)) == expected, 60, message=f"{expected} workers")
    # Warned once, by the first worker, whenever it has finished loading the app.
    wait_for(lambda: "RATELIMIT_STORAGE_URI is memory://" in server.full_log(), 30, message="the memory:// warning")
    for _ in range(expected):  # one request per worker, at least, so that all have loaded the app
        requests.get(server.url + "/healthz", timeout=5)
    log = server.full_log()
    assert "Using worker: sync" in log
    assert log.count("RATELIMIT_STORAGE_URI is memory://") == 1


@pytest.mark.parametrize(("threads", "worker_class"), [(None, "sync"), ("4", "gthread")])
def test_gunicorn_conf_settings(monkeypatch, threads, worker_class):
    import runpy

    monkeypatch.delenv("GUNICORN_WORKERS", raising=False)
    if threads:
        monkeypatch.setenv("GUNICORN_THREADS", threads)
    else:
        monkeypatch.delenv("GUNICORN_THREADS", raising=False)
    conf = runpy.run_path(os.path.join(os.path.dirname(__file__), "..", "gunicorn.conf.py"))
    assert conf["worker_class"] == worker_class and conf["workers"] == multiprocessing.cpu_count() * 2 + 1
    assert conf["preload_app"] is False and conf["timeout"] == 30 and conf["graceful_timeout"] == 30
    assert conf["max_requests"] > 0 and 0 < conf["max_requests_jitter"] < conf["max_requests"]
    assert "blog" not in conf  # the arbiter must not import the blog (a HUP would keep the old code)


@pytest.mark.slow
def test_metrics_under_gunicorn_sum_every_workers_requests(serve, test_env, monkeypatch, tmp_path):
    monkeypatch.setitem(test_env, "METRICS_ENABLED", "1")
    monkeypatch.setitem(test_env, "PROMETHEUS_MULTIPROC_DIR", str(tmp_path / "metrics"))
    bind = "127.0.0.1:{port}"
    server = serve(
        sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "-w", "3", "-b", bind, "blog:create_app()"
    )
    with requests.Session() as session:  # keep-alive off: the requests spread over the workers
        for _ in range(30):
            assert session.get(server.url + "/auth/login", timeout=5, headers={"Connection": "close"}).ok
    text = requests.get(server.url + "/metrics", timeout=5).text
    counted = sum(
        float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith("blog_http_requests_total{") and 'endpoint="auth.login"' in line
    )
    assert counted == 30, f"the workers' counts were not summed: {counted}"
