"""More real parts for the production tests: a fresh clone, any HTTP server command, a throwaway
redis-server, and a TCP proxy that can cut a real database off."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import threading

import requests

from tests.support import PROJECT_ROOT, ChildProcess, free_port, wait_for


def fresh_clone(destination) -> str:
    """Copy what ``git clone`` of this working tree would give (tracked and new files) into ``destination``."""
    import shutil

    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for relative in filter(None, listed.split("\0")):
        source = os.path.join(PROJECT_ROOT, relative)
        if os.path.isfile(source):
            target = os.path.join(destination, relative)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            shutil.copy2(source, target)
    return str(destination)


def newcomer_env(instance, **values) -> dict:
    """The environment of a newcomer: no database, broker, queue or mail settings, the given instance folder."""
    drop = {
        "DATABASE_URL",
        "CELERY_BROKER_URL",
        "CELERY_RESULT_BACKEND",
        "MAIL_BACKEND",
        "MAIL_SERVER",
        "MAIL_PORT",
        "CELERY_DEFAULT_QUEUE",
        "JOBS_SWEEP_SECONDS",
        "BLOG_ENV",
    }
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update(BLOG_INSTANCE_PATH=str(instance), PYTHONUNBUFFERED="1", **values)
    return env


class Server(ChildProcess):
    """Any command that serves HTTP (``manage.py serve``, gunicorn, honcho, nginx), ready when ``url`` answers."""

    def __init__(self, env: dict, log_path: str, command: list[str], url: str, cwd: str = PROJECT_ROOT):
        super().__init__(env, log_path)
        self.command, self.url, self.cwd = command, url, cwd
        self.what = " ".join(command[:4])

    def start(self, path: str = "/healthz", timeout: float = 60.0) -> Server:
        self._spawn(self.command)

        def ready():
            self._check_alive()
            try:
                return requests.get(self.url + path, timeout=2, verify=False).status_code < 500  # noqa: S501 (a self-signed test cert)
            except requests.RequestException:
                return False

        wait_for(ready, timeout, interval=0.1, message=f"{self.what} on {self.url}; log: {self.log_path}")
        return self


class RedisServer(ChildProcess):
    """A throwaway ``redis-server`` on its own loopback port, to stop and start under a running blog."""

    what = "redis-server"

    def __init__(self, log_path: str, port: int | None = None):
        super().__init__(dict(os.environ), log_path)
        self.port = port or free_port()
        self.url = f"redis://127.0.0.1:{self.port}"

    def start(self, timeout: float = 20.0) -> RedisServer:
        self._spawn(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        )
        wait_for(self._ready, timeout, interval=0.05, message=f"redis-server on {self.port}")
        return self

    def _ready(self) -> bool:
        self._check_alive()
        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
            return True
        except OSError:
            return False


class TCPProxy:
    """Forwards a loopback port to a real server; ``stop`` cuts every connection, as a network outage would."""

    def __init__(self, target_port: int, port: int | None = None):
        self.target_port, self.port = target_port, port or free_port()
        self._sockets: list[socket.socket] = []
        self._listener: socket.socket | None = None

    def start(self) -> TCPProxy:
        self._listener = socket.create_server(("127.0.0.1", self.port))
        threading.Thread(target=self._accept, args=(self._listener,), daemon=True).start()
        return self

    def _accept(self, listener) -> None:
        while True:
            try:
                client, _ = listener.accept()
                upstream = socket.create_connection(("127.0.0.1", self.target_port))
            except OSError:
                return
            self._sockets += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pipe(source, sink) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)

    def stop(self) -> None:
        if self._listener is not None:
            with contextlib.suppress(OSError):
                self._listener.shutdown(socket.SHUT_RDWR)  # wakes the accepting thread (close alone does not)
            self._listener.close()
            self._listener = None
        for sock in self._sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        self._sockets.clear()
