"""Real parts for the tests: an SMTP server on loopback and Celery worker processes."""

from __future__ import annotations

import asyncio
import email
import email.policy
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from email.message import EmailMessage

import requests
from aiosmtpd.controller import Controller

PROJECT_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate, timeout: float = 20.0, interval: float = 0.05, message: str = "condition"):
    """Poll ``predicate`` until it returns something truthy; fail with ``message`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {message}")
        time.sleep(interval)


@dataclass
class Received:
    envelope_from: str
    recipients: list[str]
    message: EmailMessage
    at: float


class RecordingHandler:
    """An aiosmtpd handler that keeps every message and can refuse chosen recipients."""

    def __init__(self):
        self.lock = threading.Lock()
        self.received: list[Received] = []
        #: recipient -> SMTP reply such as "550 5.1.1 No such user"
        self.refuse: dict[str, str] = {}
        #: recipient -> reply given once, then the recipient is accepted (e.g. "451 4.3.0 Try later")
        self.refuse_once: dict[str, str] = {}
        #: recipients whose RCPT waits until ``release`` is set (to catch a sender mid-message)
        self.hold: set[str] = set()
        self.release = threading.Event()
        self.holding = 0
        #: how many SMTP sessions said EHLO (one per connection)
        self.connections = 0

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        with self.lock:
            self.connections += 1
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        address_lower = address.lower()
        reply = self.refuse.get(address_lower) or self.refuse_once.pop(address_lower, None)
        if reply:
            return reply
        if address_lower in self.hold:
            with self.lock:
                self.holding += 1
            while not self.release.is_set():
                await asyncio.sleep(0.02)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message, time.time()))
        return "250 Message accepted"


@dataclass
class SMTPServer:
    """A real SMTP server on 127.0.0.1 whose received messages tests can read."""

    port: int
    handler: RecordingHandler = field(default_factory=RecordingHandler)
    controller: Controller | None = None

    def start(self) -> SMTPServer:
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def messages(self) -> list[EmailMessage]:
        with self.handler.lock:
            return [r.message for r in self.handler.received]

    def to(self, address: str) -> list[EmailMessage]:
        """Messages whose envelope went to ``address``."""
        with self.handler.lock:
            return [r.message for r in self.handler.received if address.lower() in map(str.lower, r.recipients)]

    def wait_for_messages(self, count: int, timeout: float = 20.0, to: str | None = None) -> list[EmailMessage]:
        """Wait until at least ``count`` messages (to ``to`` if given) have arrived; return them."""
        pick = (lambda: self.to(to)) if to else (lambda: self.messages)
        wait_for(lambda: len(pick()) >= count, timeout, message=f"{count} message(s) at the SMTP server")
        return pick()

    def clear(self) -> None:
        with self.handler.lock:
            self.handler.received.clear()
            self.handler.connections = 0
            self.handler.holding = 0
        self.handler.refuse.clear()
        self.handler.refuse_once.clear()
        self.handler.hold.clear()
        self.handler.release.clear()

    def count_to(self, address: str) -> int:
        return len(self.to(address))


class HangingServer:
    """Accepts TCP connections on ``port`` and never answers: a stalled SMTP server."""

    def __init__(self, port: int):
        self.port = port
        self.sock = socket.create_server(("127.0.0.1", port), reuse_port=False)
        self.sock.settimeout(0.2)
        self.accepted: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self.sock.accept()
            except OSError:
                continue
            self.accepted.append(connection)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()
        for connection in self.accepted:
            connection.close()
        self.sock.close()


class ChildProcess:
    """A server started as a child in its own session, with its output kept in a log file for failures."""

    what = "process"
    #: Gunicorn's workers stop with their arbiter; a prefork Celery worker must be signalled alone.
    term_whole_group = False
    stop_timeout = 10.0
    #: Where the command runs: this working tree, or a fresh clone of it.
    cwd = PROJECT_ROOT

    def __init__(self, env: dict, log_path: str):
        self.env, self.log_path = env, log_path
        self.process: subprocess.Popen | None = None
        self._log = None

    def _spawn(self, command: list[str]) -> None:
        self._log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            command, cwd=self.cwd, env=self.env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def _check_alive(self) -> None:
        if self.process.poll() is not None:
            raise AssertionError(f"{self.what} exited with {self.process.returncode}:\n{self.log()}")

    def full_log(self) -> str:
        return open(self.log_path, "rb").read().decode(errors="replace")

    def log(self) -> str:
        return self.full_log()[-5000:]

    def kill(self) -> None:
        """SIGKILL the process and its children at once, as a crash or the OOM killer would."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        """SIGTERM (to the main process, or its whole group), then SIGKILL what is left after a deadline."""
        if self.process and self.process.poll() is None:
            if self.term_whole_group:
                os.killpg(self.process.pid, signal.SIGTERM)
            else:
                self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(self.stop_timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        if self.process:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)  # leftover children, if any
            except (ProcessLookupError, PermissionError):
                pass
        if self._log:
            self._log.close()


class BeatProcess(ChildProcess):
    """``celery -A celery_runner beat`` as a child process (it schedules; the workers run the tasks)."""

    what = "beat"

    def __init__(self, env: dict, log_path: str, schedule_path: str):
        super().__init__(env, log_path)
        self.schedule_path = schedule_path

    def start(self, timeout: float = 60.0) -> BeatProcess:
        self._spawn(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "celery_runner",
                "beat",
                "--loglevel",
                "INFO",
                "--schedule",
                self.schedule_path,
                "--max-interval",
                "1",
            ]
        )
        wait_for(self._ready, timeout, interval=0.1, message=f"beat to start; log: {self.log_path}")
        return self

    def _ready(self) -> bool:
        self._check_alive()
        return b"Starting..." in open(self.log_path, "rb").read()


class WorkerProcess(ChildProcess):
    """``celery -A celery_runner worker`` as a child process; it stops with a warm shutdown."""

    stop_timeout = 15.0

    def __init__(self, env: dict, log_path: str, name: str, concurrency: int = 2, beat: bool = False, include=()):
        super().__init__(env, log_path)
        self.name, self.concurrency, self.beat = name, concurrency, beat
        self.include = list(include)  # extra modules the worker imports (test-only signal handlers)
        self.what = f"worker {name}"

    def start(self, timeout: float = 60.0) -> WorkerProcess:
        command = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "celery_runner",
            "worker",
            "--loglevel",
            "INFO",
            "--concurrency",
            str(self.concurrency),
            "--hostname",
            f"{self.name}@%h",
            "--without-mingle",
            "--without-gossip",
            # Test-only mail kinds (the poison message); production never loads this module.
            "--include",
            "tests.faults",
        ]
        for module in self.include:
            command += ["--include", module]
        if self.beat:
            command += ["-B", "--schedule", os.path.join(os.path.dirname(self.log_path), f"{self.name}-beat")]
        self._spawn(command)
        wait_for(self._ready, timeout, interval=0.1, message=f"worker {self.name} to start; log: {self.log_path}")
        return self

    def _ready(self) -> bool:
        self._check_alive()
        return b" ready." in open(self.log_path, "rb").read()


class Gunicorn(ChildProcess):
    """``gunicorn -w N blog:create_app()`` on a free port of 127.0.0.1 (one web node), with its log kept."""

    what = "gunicorn"
    term_whole_group = True

    def __init__(self, env: dict, workers: int, log_path: str):
        super().__init__(env, log_path)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._spawn(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-w",
                str(workers),
                "-b",
                f"127.0.0.1:{self.port}",
                "--graceful-timeout",
                "2",
                "blog:create_app()",
            ]
        )

    def wait_ready(self) -> Gunicorn:
        def ready():
            self._check_alive()
            try:
                return requests.get(self.url + "/api/health", timeout=2).ok
            except requests.RequestException:
                return False

        wait_for(ready, timeout=60, message=f"gunicorn on {self.url}")
        return self
