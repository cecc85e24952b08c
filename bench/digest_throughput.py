"""Digest to N subscribers through a local SMTP sink with one worker, next to a plain smtplib loop.

    python bench/digest_throughput.py [--subscribers 10000] [--broker URL] [--database URL]

Goal: the worker sends at least 50% of the plain loop's rate. Reference A is a
plain script doing the same job (render each message, send it over one
connection); reference B sends pre-rendered bytes (SMTP alone). The worker
also claims each batch and marks each row sent in its own commit (the price of
never sending twice). The sink runs in this process.
"""

from __future__ import annotations

import argparse
import smtplib
import time
from datetime import timedelta

from jobs_support import Sink, machine, make_app, record, scratch_env, start_worker, stop_worker, wait_for


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument("--broker", help="broker URL (default: the embedded SQLite broker)")
    parser.add_argument("--database", help="database URL (default: SQLite)")
    args = parser.parse_args()
    sink = Sink().start()
    env = scratch_env(sink.port, args.broker, args.database)
    app = make_app(env)

    from sqlalchemy import func, insert

    from blog.digest.services import send_digest
    from blog.extensions import db
    from blog.mail.messages import build_message
    from blog.models import OutboxMessage, Post, User, utcnow

    n = args.subscribers
    with app.app_context():
        db.session.execute(
            insert(User),
            [{"username": f"reader{i}", "email": f"reader{i}@example.org", "digest": "daily"} for i in range(n)],
        )
        # Core inserts: no mapper events, so no welcome mail joins the count.
        author_id = db.session.execute(
            insert(User).values(username="author", email="author@example.org").returning(User.id)
        ).scalar_one()
        for i in range(5):
            post = Post(title=f"Post number {i}", author_id=author_id)
            post.set_body("Some *Markdown* text. " * 20)
            post.assign_slug()
            post.publish(utcnow() - timedelta(hours=i + 1))
            db.session.add(post)
        db.session.commit()
        post_ids = db.session.execute(db.select(Post.id)).scalars().all()

        # The reference: the same messages, rendered first, over one smtplib connection.
        from blog.digest.services import _payload

        users = db.session.execute(db.select(User).where(User.digest == "daily")).scalars().all()
        sender = app.config["MAIL_DEFAULT_SENDER"].split("<")[1].rstrip(">")
        # Reference A: a plain script doing the job, rendering each message and sending it.
        started = time.perf_counter()
        with smtplib.SMTP("127.0.0.1", sink.port) as smtp:
            for u in users:
                data = build_message("digest", u.email, _payload(u, "daily", post_ids)).as_bytes()
                smtp.sendmail(sender, [u.email], data)
        plain_render = time.perf_counter() - started
        messages = [
            (u.email, build_message("digest", u.email, _payload(u, "daily", post_ids)).as_bytes()) for u in users
        ]
    # Reference B: the SMTP part alone, messages rendered beforehand.
    started = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", sink.port) as smtp:
        for recipient, data in messages:
            smtp.sendmail(sender, [recipient], data)
    plain = time.perf_counter() - started
    wait_for(lambda: sink.count >= 2 * n, 60, message="the plain loops' messages")
    sink.count = 0

    worker = start_worker(env, concurrency=1)
    try:
        with app.app_context():
            started = time.perf_counter()
            run = send_digest(["daily"])
            queued = time.perf_counter() - started
            wait_for(lambda: sink.count >= n, 1800, interval=0.2, message="the digests")
            total = time.perf_counter() - started
            db.session.rollback()
            sent = db.session.scalar(db.select(func.count()).select_from(OutboxMessage).filter_by(status="sent"))
    finally:
        stop_worker(worker)
        sink.stop()
    assert run.queued == n and sent == n, (run.queued, sent)
    ratio, ratio_render = plain / total, plain_render / total
    record(
        f"Digest to {n:,} subscribers (broker {env['CELERY_BROKER_URL'].split(':')[0]}, "
        f"database {env['DATABASE_URL'].split(':')[0]})",
        "\n".join(
            [
                f"- reference A, plain smtplib loop over one connection, rendering each message as it goes: "
                f"{plain_render:.1f} s ({n / plain_render:,.0f} msg/s)",
                f"- reference B, the same loop with the messages rendered beforehand (SMTP only): "
                f"{plain:.1f} s ({n / plain:,.0f} msg/s)",
                f"- digest job, one worker (concurrency 1): {total:.1f} s ({n / total:,.0f} msg/s), "
                f"of which queueing {queued:.1f} s",
                f"- ratio: **{ratio_render:.0%}** of reference A's rate (goal: at least 50%); "
                f"{ratio:.0%} of reference B's",
                f"- machine: {machine()}",
            ]
        ),
    )


if __name__ == "__main__":
    main()
