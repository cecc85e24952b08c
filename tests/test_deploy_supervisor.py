"""``deploy/supervisord.conf``: supervisord runs web, worker and beat; ``stop all`` leaves nothing behind."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

import pytest
import requests

from tests.servers import Server
from tests.support import PROJECT_ROOT, free_port, wait_for

pytestmark = pytest.mark.slow

CONF = os.path.join(PROJECT_ROOT, "deploy", "supervisord.conf")
SUPERVISOR = os.path.join(os.path.dirname(sys.executable), "supervisord")
SUPERVISORCTL = os.path.join(os.path.dirname(sys.executable), "supervisorctl")


def _alive(pid: int) -> bool:
    state = subprocess.run(["ps", "-o", "stat=", "-p", str(pid)], capture_output=True, text=True).stdout.strip()
    return bool(state) and not state.startswith("Z")


def _family(pids: list[int]) -> set[int]:
    """``pids`` and all their descendants."""
    found, todo = set(), list(pids)
    while todo:
        pid = todo.pop()
        found.add(pid)
        out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout
        todo += [int(p) for p in out.split()]
    return found


def test_supervisord_serves_sends_mail_and_stops_everything(test_env, app, smtp_server, tmp_path):
    port = free_port()
    env = {
        **test_env,
        "BLOG_RUN_DIR": str(tmp_path),
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "2",
        # A queue of its own: only supervisord's worker can send this test's mail.
        "CELERY_DEFAULT_QUEUE": f"supervisor-{uuid.uuid4().hex[:8]}",
    }
    supervisord = Server(
        env, str(tmp_path / "supervisord.out"), [SUPERVISOR, "-n", "-c", CONF], f"http://127.0.0.1:{port}"
    )
    ctl = [SUPERVISORCTL, "-c", CONF]
    try:
        supervisord.start()
        assert requests.get(supervisord.url + "/", timeout=5).status_code == 200
        wait_for(lambda: b" ready." in (tmp_path / "worker.log").read_bytes(), 60, message="supervisord's worker")
        created = subprocess.run(
            [sys.executable, "manage.py", "create-admin", "--username", "sv", "--email", "sv@example.org",
             "--password", "a long password"],
            cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert created.returncode == 0, created.stderr
        smtp_server.wait_for_messages(1, timeout=30, to="sv@example.org")

        status = subprocess.run([*ctl, "status"], env=env, capture_output=True, text=True).stdout
        assert all(f"{name} " in status and "RUNNING" in status for name in ("web", "worker", "beat")), status
        pids = subprocess.run([*ctl, "pid", "all"], env=env, capture_output=True, text=True).stdout.split()
        family = _family([int(p) for p in pids])
        assert len(family) >= 3 + 2 + 1, family  # three programs, gunicorn's workers, the worker's pool
        stopped = subprocess.run([*ctl, "stop", "all"], env=env, capture_output=True, text=True, timeout=90)
        assert stopped.returncode == 0, stopped.stdout + stopped.stderr
        wait_for(lambda: not any(_alive(pid) for pid in family), 10, message="every process to exit")
        subprocess.run([*ctl, "shutdown"], env=env, capture_output=True, timeout=30)
        supervisord.process.wait(20)
    finally:
        supervisord.stop()
