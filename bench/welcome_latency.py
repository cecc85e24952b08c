"""Time from a registration's commit to its welcome mail's arrival at the SMTP server.

    python bench/welcome_latency.py [--registrations 200] [--broker redis://127.0.0.1:6379/3] [--database URL]

Goal: 95th percentile under 1 second on the Redis broker. Registrations are
committed one after another (20 ms apart) by this process; one worker
(concurrency 2) sends the mail; the sink stamps each arrival.
"""

from __future__ import annotations

import argparse
import statistics
import time

from jobs_support import Sink, machine, make_app, record, scratch_env, start_worker, stop_worker, wait_for


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--registrations", type=int, default=200)
    parser.add_argument("--broker", default="redis://127.0.0.1:6379/3")
    parser.add_argument("--database", help="database URL (default: SQLite)")
    args = parser.parse_args()
    sink = Sink().start()
    env = scratch_env(sink.port, args.broker, args.database)
    app = make_app(env)

    from blog.extensions import db
    from blog.models import User

    worker = start_worker(env, concurrency=2)
    committed: dict[str, float] = {}
    try:
        with app.app_context():
            for i in range(args.registrations):
                user = User(username=f"new{i}", email=f"new{i}@example.org")
                db.session.add(user)
                started = time.monotonic()  # conservative: the clock runs through the commit itself
                db.session.commit()  # the welcome mail is handed to the broker in the commit
                committed[user.email] = started
                time.sleep(0.02)
        wait_for(lambda: len(sink.arrivals) >= args.registrations, 120, message="every welcome mail")
    finally:
        stop_worker(worker)
        sink.stop()
    latencies = sorted(sink.arrivals[email] - at for email, at in committed.items())
    p95 = latencies[int(0.95 * len(latencies)) - 1]
    record(
        f"Registration commit to welcome mail ({args.registrations} registrations, "
        f"broker {env['CELERY_BROKER_URL'].split(':')[0]}, database {env['DATABASE_URL'].split(':')[0]})",
        "\n".join(
            [
                f"- median {statistics.median(latencies) * 1000:.0f} ms, 95th percentile {p95 * 1000:.0f} ms, "
                f"max {latencies[-1] * 1000:.0f} ms (goal: 95th percentile under 1 s)",
                f"- machine: {machine()}",
            ]
        ),
    )


if __name__ == "__main__":
    main()
