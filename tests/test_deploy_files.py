"""The other deploy files: systemd units (``systemd-analyze verify``) and the Procfile (``honcho start``)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys

import pytest
import requests

from tests.servers import Server
from tests.support import PROJECT_ROOT, free_port, wait_for

UNITS = os.path.join(PROJECT_ROOT, "deploy", "systemd")
NAMES = ("blog-web.service", "blog-worker.service", "blog-beat.service")


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_systemd_units_verify(tmp_path):
    """The units as written, pointed at this checkout (``systemd-analyze`` checks the programs exist)."""
    (tmp_path / "blog.env").write_text("BLOG_ENV=prod\n")
    for name in NAMES:
        unit = open(os.path.join(UNITS, name)).read()
        unit = unit.replace("/srv/blog", PROJECT_ROOT).replace("/etc/blog/blog.env", str(tmp_path / "blog.env"))
        (tmp_path / name).write_text(unit.replace("User=blog", "User=root").replace("Group=blog", "Group=root"))
    result = subprocess.run(
        ["systemd-analyze", "verify", *(str(tmp_path / n) for n in NAMES)], capture_output=True, text=True
    )
    assert result.returncode == 0 and not result.stderr.strip(), result.stderr


def test_systemd_units_stop_gracefully_and_restart():
    units = {name: open(os.path.join(UNITS, name)).read() for name in NAMES}
    assert all("KillSignal=SIGTERM" in u and "Restart=on-failure" in u for u in units.values())
    assert "KillMode=mixed" in units["blog-worker.service"]  # TERM the main process only, KILL the group late
    assert "ExecReload=/bin/kill -HUP $MAINPID" in units["blog-web.service"]
    assert "ONE node" in units["blog-beat.service"]


@pytest.mark.slow
def test_honcho_runs_the_procfile(test_env, app, tmp_path):
    port = free_port()
    bin_dir = os.path.dirname(sys.executable)
    env = {**test_env, "PATH": f"{bin_dir}:{os.environ['PATH']}", "GUNICORN_WORKERS": "1"}
    command = [os.path.join(bin_dir, "honcho"), "start", "-f", "Procfile", "-p", str(port)]
    honcho = Server(env, str(tmp_path / "honcho.log"), command, f"http://127.0.0.1:{port}")
    try:
        honcho.start()
        assert requests.get(honcho.url + "/", timeout=5).status_code == 200
        wait_for(lambda: " ready." in honcho.full_log() and "beat: Starting" in honcho.full_log(), 60,
                 message="the worker and beat under honcho")  # fmt: skip
        honcho.process.send_signal(signal.SIGTERM)  # honcho stops every process of the Procfile
        honcho.process.wait(40)
    finally:
        honcho.stop()
