"""Every command works first in a fresh clone, or refuses with one line naming ``db upgrade``."""

from __future__ import annotations

import subprocess
import sys

import pytest
import requests

from tests.servers import Server, fresh_clone, newcomer_env
from tests.support import BeatProcess, WorkerProcess, free_port, wait_for

NO_SCHEMA = "python manage.py db upgrade"


@pytest.fixture
def clone(tmp_path):
    """A fresh clone with no instance folder, and the environment of a newcomer pointing at a new one."""
    root = fresh_clone(tmp_path / "clone")
    instance = tmp_path / "logs" / "instance"  # the logs go next to it; the folder itself does not exist
    instance.parent.mkdir()
    return root, instance, newcomer_env(instance)


def _manage(root, env, *args, timeout=60):
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=root, env=env, capture_output=True, text=True, timeout=timeout
    )


def _assert_refused_with_one_line(result):
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert "Traceback" not in output, output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and NO_SCHEMA in lines[0], output


ADMIN = ("create-admin", "--username", "ada", "--email", "ada@example.org", "--password", "a long password")


def test_db_upgrade_first_creates_the_instance_folder(clone):
    root, instance, env = clone
    result = _manage(root, env, "db", "upgrade")
    assert result.returncode == 0, result.stderr
    assert (instance / "blog.db").exists()


@pytest.mark.parametrize(
    "args", [ADMIN, ("seed", "--posts", "2", "--users", "2", "--comments", "1"), ("serve", "--port", "1")]
)
def test_command_needing_the_schema_first_refuses_in_one_line(clone, args):
    root, _instance, env = clone
    _assert_refused_with_one_line(_manage(root, env, *args))


def test_commands_then_work_in_order(clone):
    root, instance, env = clone
    assert _manage(root, env, "db", "upgrade").returncode == 0
    result = _manage(root, env, *ADMIN)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "unavailable" not in result.stderr, result.stderr
    result = _manage(root, env, "seed", "--posts", "3", "--users", "2", "--comments", "2")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow
def test_celery_worker_and_beat_start_first(clone):
    root, instance, env = clone
    worker = WorkerProcess(env, str(instance.parent / "worker.log"), "fresh", concurrency=1)
    worker.cwd = root
    beat = BeatProcess(env, str(instance.parent / "beat.log"), str(instance.parent / "beat-schedule"))
    beat.cwd = root
    try:
        worker.start()
        beat.start()
    finally:
        beat.stop()
        worker.stop()
    assert (instance / "broker.db").exists()
    assert "unable to open" not in worker.full_log() + beat.full_log()


@pytest.mark.slow
@pytest.mark.parametrize("how", ["gunicorn", "gunicorn-conf"])
def test_gunicorn_first_answers_503_not_500_until_the_schema_exists(clone, how):
    root, instance, env = clone
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "-w", "1", "-b", f"127.0.0.1:{port}", "blog:create_app()"]
    if how == "gunicorn-conf":
        command[3:5] = ["-c", "gunicorn.conf.py", "--workers", "1"]
    server = Server(env, str(instance.parent / "gunicorn.log"), command, f"http://127.0.0.1:{port}", cwd=root)
    try:
        server.start()
        page = requests.get(server.url + "/", timeout=5)
        assert page.status_code == 503 and page.headers["Retry-After"], page.text
        assert "Traceback" not in server.full_log(), server.log()
        assert _manage(root, env, "db", "upgrade").returncode == 0
        wait_for(lambda: requests.get(server.url + "/", timeout=5).status_code == 200, 10, message="the home page")
    finally:
        server.stop()


@pytest.mark.slow
def test_database_elsewhere_still_opens_the_embedded_broker_and_results(clone, tmp_path):
    root, instance, env = clone
    (tmp_path / "elsewhere").mkdir()
    env["DATABASE_URL"] = f"sqlite:///{tmp_path}/elsewhere/blog.db"
    assert _manage(root, env, "db", "upgrade").returncode == 0
    result = _manage(root, env, *ADMIN)
    assert result.returncode == 0 and "unavailable" not in result.stderr, result.stderr
    worker = WorkerProcess(env, str(tmp_path / "worker.log"), "elsewhere", concurrency=1)
    worker.cwd = root
    try:
        worker.start()
        mailbox = instance / "mailbox"
        wait_for(lambda: mailbox.is_dir() and any(mailbox.glob("*.eml")), 30, message="the welcome mail's file")
    finally:
        worker.stop()
    assert "ada@example.org" in next(mailbox.glob("*.eml")).read_text()
