"""``python manage.py run``: zero-setup start on the embedded defaults, and a clean Ctrl-C."""

import os
import signal
import subprocess
import sys
import time
import urllib.request

import pytest

from tests.support import PROJECT_ROOT, free_port, wait_for


def _fetch(url):
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status, response.read().decode()
    except OSError:
        return None


def _embedded_env(instance):
    """The environment of a newcomer: no database, broker or mail settings at all."""
    drop = {
        "DATABASE_URL",
        "CELERY_BROKER_URL",
        "CELERY_RESULT_BACKEND",
        "MAIL_BACKEND",
        "MAIL_SERVER",
        "MAIL_PORT",
        "CELERY_DEFAULT_QUEUE",
        "JOBS_SWEEP_SECONDS",
    }
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update(BLOG_ENV="dev", BLOG_INSTANCE_PATH=str(instance), PYTHONUNBUFFERED="1")
    return env


def _children_of(pid):
    result = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True)
    return [int(p) for p in result.stdout.split()]


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    state = subprocess.run(["ps", "-o", "stat=", "-p", str(pid)], capture_output=True, text=True).stdout
    return bool(state.strip()) and not state.strip().startswith("Z")


@pytest.mark.slow
def test_run_serves_pages_runs_jobs_and_stops_on_ctrl_c(tmp_path):
    instance = tmp_path / "instance"
    port = free_port()
    env = _embedded_env(instance)
    log = open(tmp_path / "run.log", "wb")
    server = subprocess.Popen(
        [sys.executable, "manage.py", "run", "--port", str(port), "--demo"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    read_log = lambda: (tmp_path / "run.log").read_text(errors="replace")  # noqa: E731
    try:
        status, page = wait_for(lambda: _fetch(f"http://127.0.0.1:{port}/"), 60, message="the home page")
        assert status == 200 and "Welcome to your new blog" in page
        assert (instance / "blog.db").exists()
        output = read_log()
        assert f"http://127.0.0.1:{port}/" in output and "Demo admin: username 'demo'" in output

        # The demo admin was inserted, so the welcome mail goes through the embedded
        # broker to the worker child, which writes it to the mailbox folder.
        mailbox = instance / "mailbox"
        wait_for(
            lambda: mailbox.exists() and list(mailbox.glob("*.eml")),
            60,
            message=f"the welcome mail in {mailbox}; log:\n{read_log()}",
        )
        assert b"demo@example.org" in next(mailbox.glob("*.eml")).read_bytes()
        worker_pids = _children_of(server.pid)
        assert worker_pids, "the worker should run as a child process"
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            raise AssertionError(f"run did not stop on Ctrl-C:\n{read_log()}")
    time.sleep(0.2)
    assert server.returncode == 0, read_log()
    assert not [pid for pid in worker_pids if _alive(pid)], "worker processes outlived run"


def test_run_without_a_worker_serves_the_empty_home_page(tmp_path):
    instance = tmp_path / "instance"
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "manage.py", "run", "--port", str(port), "--no-worker"],
        cwd=PROJECT_ROOT,
        env=_embedded_env(instance),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        status, page = wait_for(lambda: _fetch(f"http://127.0.0.1:{port}/"), 60, message="the home page")
        assert status == 200 and "Nothing published yet" in page
        assert _children_of(server.pid) == []
    finally:
        server.send_signal(signal.SIGINT)
        output = server.communicate(timeout=30)[0].decode()
    assert server.returncode == 0
    assert "python manage.py create-admin" in output
