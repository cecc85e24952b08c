#!/usr/bin/env python
"""Load on the production path: PostgreSQL + Redis, ``manage.py serve`` with its default workers.

    python bench/load.py [--posts 100000] [--duration 60] [--connections 64]

Creates a throw-away PostgreSQL database (``--database``, dropped at the end),
seeds it, starts ``manage.py serve`` (2 x cores + 1 gunicorn workers), a Celery
worker and one beat on Redis, and an SMTP server in this process. Then, for
``--duration`` seconds, wrk reads the home page, post pages and tag pages from
``--connections`` connections while a second client posts a comment every
100 ms and registers a user every second. It reports requests per second,
p50/p99 latency, every failed or 5xx request, and the outbox delay of the
welcome mails (the registration's answer to the mail's arrival at SMTP), and
checks that every welcome mail arrived exactly once. Results go to
bench/results/load-<time>.json and as Markdown to stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from datetime import UTC, datetime

import psycopg
import requests
from aiosmtpd.controller import Controller

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PYTHON = sys.executable
WRK = shutil.which("wrk") or "/usr/bin/wrk"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Mailbox:
    """An aiosmtpd handler that notes when each recipient's welcome mail arrived."""

    def __init__(self):
        self.arrivals: dict[str, list[float]] = {}
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        if b"Subject: Welcome" not in envelope.content:  # only the welcome mails are timed and counted
            return "250 OK"
        with self.lock:
            for rcpt in envelope.rcpt_tos:
                self.arrivals.setdefault(rcpt.lower(), []).append(time.time())
        return "250 OK"


def admin_url(database_url: str) -> str:
    return database_url.rsplit("/", 1)[0] + "/postgres"


def recreate_database(database_url: str) -> None:
    name = database_url.rsplit("/", 1)[1]
    with psycopg.connect(admin_url(database_url), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def drop_database(database_url: str) -> None:
    name = database_url.rsplit("/", 1)[1]
    with psycopg.connect(admin_url(database_url), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run(env: dict, *args: str) -> None:
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)


def start(env: dict, log: str, *args: str) -> subprocess.Popen:
    handle = open(log, "wb")  # noqa: SIM115 - closed with the process
    return subprocess.Popen(args, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.kill(process.pid, signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def wait_ready(url: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(url + "/healthz", timeout=2).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise SystemExit(f"the blog did not answer at {url}")


def read_urls(database_url: str, posts: int = 200, tags: int = 30) -> list[str]:
    with psycopg.connect(database_url) as connection:
        slugs = [
            r[0]
            for r in connection.execute(
                "SELECT slug FROM posts WHERE status = 'published' ORDER BY random() LIMIT %s", (posts,)
            )
        ]
        names = [r[0] for r in connection.execute("SELECT name FROM tags ORDER BY random() LIMIT %s", (tags,))]
    return ["/"] * 20 + [f"/post/{s}" for s in slugs] + [f"/tag/{urllib.parse.quote(n)}" for n in names]


def wrk_script(urls: list[str], folder: str) -> str:
    path = os.path.join(folder, "urls.lua")
    with open(path, "w") as script:
        script.write("local paths = {" + ",".join(json.dumps(u) for u in urls) + "}\n")
        script.write("request = function()\n  return wrk.format('GET', paths[math.random(#paths)])\nend\n")
        script.write(
            "done = function(summary, latency, requests)\n"
            '  io.write(string.format(\'JSON {"p50": %d, "p99": %d, "requests": %d, "non2xx": %d, '
            '"errors": %d}\\n\', latency:percentile(50), latency:percentile(99), summary.requests, '
            "summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write + "
            "summary.errors.timeout))\nend\n"
        )
    return path


def _form(session: requests.Session, url: str) -> str:
    page = session.get(url, timeout=10)
    page.raise_for_status()
    _plain_cookies(session)
    return CSRF.search(page.text).group(1)


def _plain_cookies(session: requests.Session) -> None:
    # Production marks its cookies Secure; this client talks plain HTTP on loopback, so keep sending them.
    for cookie in session.cookies:
        cookie.secure = False


class Writer(threading.Thread):
    """Posts a comment every 100 ms and registers a user every second, counting failures."""

    def __init__(self, base: str, slug: str, stop_at: float, login: tuple[str, str]):
        super().__init__(daemon=True)
        self.base, self.slug, self.stop_at, self.login = base, slug, stop_at, login
        self.registered: dict[str, float] = {}
        self.comments = 0
        self.failures: list[str] = []

    def run(self) -> None:
        commenter = requests.Session()
        token = _form(commenter, self.base + "/auth/login")
        commenter.post(
            self.base + "/auth/login",
            data={"csrf_token": token, "username": self.login[0], "password": self.login[1]},
            timeout=10,
        )
        _plain_cookies(commenter)
        next_registration = time.monotonic()
        while time.monotonic() < self.stop_at:
            self._comment(commenter)
            if time.monotonic() >= next_registration:
                self._register()
                next_registration += 1.0
            time.sleep(0.1)

    def _comment(self, session: requests.Session) -> None:
        token = _form(session, f"{self.base}/post/{self.slug}")
        answer = session.post(
            f"{self.base}/post/{self.slug}/comments",
            timeout=10,
            data={"csrf_token": token, "body": f"Comment {self.comments} under load."},
        )
        _plain_cookies(session)
        if answer.status_code >= 400:
            self.failures.append(f"comment: {answer.status_code}")
        self.comments += 1

    def _register(self) -> None:
        session = requests.Session()
        name = f"load{len(self.registered)}x{secrets.token_hex(3)}"
        token = _form(session, self.base + "/auth/register")
        data = {
            "csrf_token": token,
            "username": name,
            "email": f"{name}@example.org",
            "password": "a long load-test pass",
            "confirm": "a long load-test pass",
        }
        sent = time.time()  # the mail may be out before the answer has come back
        answer = session.post(self.base + "/auth/register", data=data, timeout=10, allow_redirects=False)
        if answer.status_code != 302:
            self.failures.append(f"register: {answer.status_code}")
            return
        self.registered[f"{name}@example.org"] = sent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--duration", type=int, default=60)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--database", default="postgresql://postgres@127.0.0.1:5432/bench_load")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379")
    options = parser.parse_args()

    folder = tempfile.mkdtemp(prefix="blog-load-")
    mailbox = Mailbox()
    smtp = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    port = free_port()
    env = dict(
        os.environ,
        BLOG_ENV="prod",
        SECRET_KEY=secrets.token_hex(32),
        BLOG_INSTANCE_PATH=folder,
        DATABASE_URL=options.database,
        CELERY_BROKER_URL=f"{options.redis}/9",
        CELERY_RESULT_BACKEND=f"{options.redis}/9",
        CACHE_REDIS_URL=f"{options.redis}/10",
        RATELIMIT_STORAGE_URI=f"{options.redis}/11",
        RATELIMIT_REGISTER="100000 per hour",
        MAIL_BACKEND="smtp",
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=str(smtp.port),
        LOG_LEVEL="WARNING",
        BLOG_BASE_URL=f"http://127.0.0.1:{port}",
        SECURITY_HSTS="0",
        CELERY_DEFAULT_QUEUE=f"load-{secrets.token_hex(4)}",
    )
    recreate_database(options.database)
    processes = []
    try:
        run(env, "db", "upgrade")
        started = time.monotonic()
        run(env, "seed", "--posts", str(options.posts), "--users", "200", "--comments", str(options.posts // 5))
        seed_seconds = time.monotonic() - started
        run(
            env,
            "create-admin",
            "--username",
            "loadadmin",
            "--email",
            "loadadmin@example.org",
            "--password",
            "load admin passphrase",
        )
        processes.append(start(env, f"{folder}/web.log", PYTHON, "manage.py", "serve", "--port", str(port)))
        processes.append(
            start(
                env,
                f"{folder}/worker.log",
                PYTHON,
                "-m",
                "celery",
                "-A",
                "celery_runner",
                "worker",
                "--concurrency",
                "2",
                "--loglevel",
                "WARNING",
            )
        )
        processes.append(
            start(
                env,
                f"{folder}/beat.log",
                PYTHON,
                "-m",
                "celery",
                "-A",
                "celery_runner",
                "beat",
                "--schedule",
                f"{folder}/beat-schedule",
                "--loglevel",
                "WARNING",
            )
        )
        base = f"http://127.0.0.1:{port}"
        wait_ready(base)
        urls = read_urls(options.database)
        writer = Writer(
            base,
            urls[25].removeprefix("/post/"),
            time.monotonic() + options.duration,
            ("loadadmin", "load admin passphrase"),
        )
        writer.start()
        load = subprocess.run(
            [
                WRK,
                "-t",
                "2",
                "-c",
                str(options.connections),
                "-d",
                f"{options.duration}s",
                "--timeout",
                "10s",
                "-s",
                wrk_script(urls, folder),
                base,
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        writer.join(30)
        time.sleep(10)  # the last registrations' mail
        report(options, load.stdout, writer, mailbox, seed_seconds)
    finally:
        for process in processes:
            stop(process)
        smtp.stop()
        drop_database(options.database)
        shutil.rmtree(folder, ignore_errors=True)


def report(options, wrk_output: str, writer: Writer, mailbox: Mailbox, seed_seconds: float) -> None:
    figures = json.loads(wrk_output.split("JSON ", 1)[1].splitlines()[0])
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", wrk_output).group(1))
    delays = sorted(mailbox.arrivals[a][0] - t for a, t in writer.registered.items() if a in mailbox.arrivals)
    twice = [a for a, times in mailbox.arrivals.items() if a in writer.registered and len(times) > 1]
    missing = [a for a in writer.registered if a not in mailbox.arrivals]
    result = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "posts": options.posts,
        "connections": options.connections,
        "duration_s": options.duration,
        "requests_per_s": rps,
        "p50_ms": figures["p50"] / 1000,
        "p99_ms": figures["p99"] / 1000,
        "requests": figures["requests"],
        "non_2xx_or_3xx": figures["non2xx"],
        "socket_errors": figures["errors"],
        "comments": writer.comments,
        "registrations": len(writer.registered),
        "writer_failures": writer.failures,
        "welcome_delay_p50_ms": round(statistics.median(delays) * 1000) if delays else None,
        "welcome_delay_p95_ms": round(delays[int(len(delays) * 0.95) - 1] * 1000) if delays else None,
        "welcome_missing": missing,
        "welcome_twice": twice,
        "seed_s": round(seed_seconds, 1),
        "cpus": os.cpu_count(),
    }
    os.makedirs(os.path.join(ROOT, "bench", "results"), exist_ok=True)
    with open(os.path.join(ROOT, "bench", "results", f"load-{int(time.time())}.json"), "w") as out:
        json.dump(result, out, indent=2)
    print("| measure | result |\n|---|---|")
    for key, value in result.items():
        print(f"| {key} | {value} |")
    ok = not (figures["non2xx"] or figures["errors"] or writer.failures or missing or twice)
    print("\nOK: no failed request, every welcome mail once" if ok else "\nFAILED: see above")
    if not ok:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
