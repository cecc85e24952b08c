#!/usr/bin/env python
"""Benchmark the reading pages against a bare Flask app, in one run on one machine.

    python bench/run.py [--posts 100000] [--small 1000] [--duration 5] [--rounds 3]

Seeds two throw-away SQLite databases (100,000 and 1,000 posts) with
``manage.py seed`` in temporary BLOG_INSTANCE_PATHs, starts gunicorn (4 sync
workers, 127.0.0.1) for: the blog without page cache, the blog with it, the
blog without cache on the small database, and the bare app (bench/bare_app.py);
then runs wrk against them in alternating order, round after round, and prints
the requests per second, the ratios to the bare app, and the home page's
latency at 100,000 vs 1,000 posts (one connection, so no queueing). Next
to requests per second it reports the servers' CPU time per request (from
/proc), whose ratio holds even when other work shares the machine. Results go
to bench/results/<time>.json (git-ignored) and as a Markdown table to stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PYTHON = sys.executable
WRK = shutil.which("wrk") or "/usr/bin/wrk"


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def blog_env(instance: str, **extra) -> dict:
    return dict(
        os.environ,
        BLOG_ENV="prod",
        SECRET_KEY=secrets.token_hex(32),
        BLOG_INSTANCE_PATH=instance,
        DATABASE_URL=f"sqlite:///{instance}/blog.db",
        LOG_LEVEL="WARNING",
        **extra,
    )


def seed(instance: str, posts: int) -> float:
    os.makedirs(instance, exist_ok=True)
    env = blog_env(instance)
    started = time.monotonic()
    subprocess.run([PYTHON, "manage.py", "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    subprocess.run(
        [
            PYTHON,
            "manage.py",
            "seed",
            "--posts",
            str(posts),
            "--users",
            "200",
            "--comments",
            str(posts),
            "--random-seed",
            "1",
        ],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.monotonic() - started


def pick_urls(instance: str) -> dict[str, str]:
    """A published post with 50 comments and the busiest tag: the pages to measure besides /."""
    db = sqlite3.connect(f"{instance}/blog.db")
    post_id, slug = db.execute("SELECT id, slug FROM posts WHERE status = 'published' ORDER BY id LIMIT 1").fetchone()
    author = db.execute("SELECT author_id FROM posts WHERE id = ?", (post_id,)).fetchone()[0]
    db.execute("DELETE FROM comments WHERE post_id = ?", (post_id,))
    now = datetime.now(UTC).replace(tzinfo=None).isoformat(" ")
    db.executemany(
        "INSERT INTO comments (post_id, author_id, body, body_html, status, created_at) "
        "VALUES (?, ?, ?, ?, 'visible', ?)",
        [(post_id, author, f"Comment {n}", f"<p>Comment {n}</p>", now) for n in range(50)],
    )
    db.commit()
    tag = db.execute(
        "SELECT t.name FROM tags t JOIN post_tags pt ON pt.tag_id = t.id GROUP BY t.id ORDER BY count(*) DESC LIMIT 1"
    ).fetchone()[0]
    db.close()
    return {"home": "/", "post": f"/post/{slug}", "tag": f"/tag/{tag}"}


class Server:
    def __init__(self, name: str, app: str, env: dict, log_dir: str):
        self.name, self.port = name, free_port()
        self.log = open(os.path.join(log_dir, f"{name}.log"), "ab")
        self.process = subprocess.Popen(
            [PYTHON, "-m", "gunicorn", "-w", "4", "-k", "sync", "-b", f"127.0.0.1:{self.port}", app],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.base = f"http://127.0.0.1:{self.port}"

    def wait(self, path: str = "/") -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.base + path, timeout=5) as response:  # noqa: S310 - our server
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise SystemExit(f"{self.name} did not start; see its log")

    def cpu_seconds(self) -> float:
        """CPU time used so far by gunicorn and its workers (Linux /proc)."""
        children = subprocess.run(["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True).stdout
        total = 0
        for pid in [self.process.pid, *map(int, children.split())]:
            try:
                with open(f"/proc/{pid}/stat") as handle:
                    fields = handle.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += int(fields[11]) + int(fields[12])  # utime + stime, in clock ticks
        return total / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(15)
        self.log.close()


def measure(server: Server, path: str, duration: int, **options) -> dict:
    """wrk against ``server``, plus the server's CPU time per request (robust on a shared machine)."""
    before = server.cpu_seconds()
    result = wrk(server.base + path, duration, **options)
    result["cpu_ms"] = (server.cpu_seconds() - before) / max(result["requests"], 1) * 1000
    return result


def wrk(url: str, duration: int, connections: int = 16, threads: int = 2) -> dict:
    out = subprocess.run(
        [WRK, "-t", str(threads), "-c", str(connections), "-d", f"{duration}s", "--latency", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    latency = re.search(r"Latency\s+([\d.]+)(us|ms|s)", out)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[latency.group(2)]
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    return {
        "rps": rps,
        "requests": requests,
        "latency_ms": float(latency.group(1)) * scale,
        "errors": int(non2xx.group(1)) if non2xx else 0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--duration", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    work = tempfile.mkdtemp(prefix="blog-bench-")
    big, small = os.path.join(work, "big"), os.path.join(work, "small")
    print(f"seeding {args.posts} posts ...", flush=True)
    seed_seconds = seed(big, args.posts)
    print(f"  {seed_seconds:.0f}s; seeding {args.small} posts ...", flush=True)
    seed(small, args.small)
    urls = pick_urls(big)
    small_urls = pick_urls(small)

    servers = {
        "bare": Server("bare", "bench.bare_app:app", dict(os.environ), work),
        "blog": Server("blog", "blog:create_app()", blog_env(big, PAGE_CACHE_ENABLED="0"), work),
        "cached": Server("cached", "blog:create_app()", blog_env(big, PAGE_CACHE_ENABLED="1"), work),
        "small": Server("small", "blog:create_app()", blog_env(small, PAGE_CACHE_ENABLED="0"), work),
    }
    results: dict[str, list] = {}
    try:
        for server in servers.values():
            server.wait()
        # Warm-up: every worker imports, connects and fills its caches before measuring.
        for name, server in servers.items():
            for path in (small_urls if name == "small" else urls).values():
                wrk(server.base + (path if name != "bare" else "/"), 2)
        for round_ in range(args.rounds):
            print(f"round {round_ + 1}/{args.rounds}", flush=True)
            order = ["bare", "blog", "cached"] if round_ % 2 == 0 else ["cached", "blog", "bare"]
            for name in order:
                for page, path in [("bare", "/")] if name == "bare" else urls.items():
                    results.setdefault(f"{name}:{page}", []).append(measure(servers[name], path, args.duration))
            # Latency of the uncached home page at both sizes, one connection, alternating.
            for name in ["blog", "small"] if round_ % 2 == 0 else ["small", "blog"]:
                results.setdefault(f"latency:{name}", []).append(
                    measure(servers[name], "/", args.duration, connections=1, threads=1)
                )
    finally:
        for server in servers.values():
            server.stop()
    report(results, args, seed_seconds)
    shutil.rmtree(work, ignore_errors=True)


def report(results: dict, args, seed_seconds: float) -> None:
    def median(key, field="rps"):
        return statistics.median(r[field] for r in results[key])

    bare, bare_cpu = median("bare:bare"), median("bare:bare", "cpu_ms")
    rows = [("bare Flask + Jinja, 10-item loop", "/", bare, 1.0, bare_cpu, 1.0)]
    for name, label in (("blog", "blog, rendered from the database"), ("cached", "blog, page cache (logged out)")):
        for page in ("home", "post", "tag"):
            rps, cpu = median(f"{name}:{page}"), median(f"{name}:{page}", "cpu_ms")
            rows.append((label, page, rps, rps / bare, cpu, bare_cpu / cpu))
    big_latency, small_latency = median("latency:blog", "latency_ms"), median("latency:small", "latency_ms")
    errors = sum(r["errors"] for runs in results.values() for r in runs)
    lines = [
        "| server | page | requests/s (median) | ratio to bare | server CPU ms/request | ratio to bare |",
        "|---|---|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {label} | {page} | {rps:,.0f} | {ratio:.0%} | {cpu:.2f} | {cpu_ratio:.0%} |"
        for label, page, rps, ratio, cpu, cpu_ratio in rows
    ]
    lines += [
        "",
        f"Home page latency, one connection: {big_latency:.2f} ms at {args.posts:,} posts, "
        f"{small_latency:.2f} ms at {args.small:,} posts: ratio {big_latency / small_latency:.2f}.",
        f"Seeding {args.posts:,} posts took {seed_seconds:.0f} s. Non-2xx responses: {errors}.",
        f"{args.rounds} alternating rounds of {args.duration} s per measurement; wrk -t2 -c16.",
    ]
    print("\n".join(lines))
    os.makedirs(os.path.join(ROOT, "bench", "results"), exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    with open(os.path.join(ROOT, "bench", "results", f"{stamp}.json"), "w") as handle:
        json.dump({"args": vars(args), "results": results, "table": lines}, handle, indent=1)


if __name__ == "__main__":
    main()
