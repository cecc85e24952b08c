"""A real gunicorn serving the blog, for the reading area's multi-process and browser tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import requests

from tests.support import PROJECT_ROOT, free_port, wait_for


class Gunicorn:
    """``gunicorn -w N blog:create_app()`` on a free port of 127.0.0.1, with its log kept for failures."""

    def __init__(self, env: dict, workers: int, log_path: str):
        self.port = free_port()
        self.log_path = log_path
        self._log = open(log_path, "ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{self.port}",
             "--graceful-timeout", "2", "blog:create_app()"],
            cwd=PROJECT_ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True)
        self.url = f"http://127.0.0.1:{self.port}"

    def wait_ready(self) -> Gunicorn:
        def ready():
            if self.process.poll() is not None:
                raise AssertionError(f"gunicorn exited with {self.process.returncode}:\n{self.log()}")
            try:
                return requests.get(self.url + "/api/health", timeout=2).ok
            except requests.RequestException:
                return False

        wait_for(ready, timeout=60, message=f"gunicorn on {self.url}")
        return self

    def log(self) -> str:
        return open(self.log_path, "rb").read().decode(errors="replace")[-5000:]

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self._log.close()
