"""One scheduler: with 3 web workers, 2 Celery workers and one beat, each periodic job runs once per
period; web processes schedule nothing; a second beat started by mistake sends no mail twice."""

from __future__ import annotations

import time
import uuid
from collections import Counter

import pytest
from sqlalchemy import text

from tests.run_counter import CREATE, TABLE
from tests.support import BeatProcess, Gunicorn, WorkerProcess

pytestmark = pytest.mark.slow

PERIOD = 1.5
PERIODIC = (
    "blog.mail.tasks.sweep_outbox",
    "blog.posts.tasks.publish_due_posts",
    "blog.notifications.tasks.notify_followers",
)


@pytest.fixture
def runs(app):
    """``runs(since)`` returns {task: [start times]} of the periodic tasks the workers started since then."""
    from blog.extensions import db

    with app.app_context():
        db.session.execute(text(f"DROP TABLE IF EXISTS {TABLE}"))
        db.session.execute(text(CREATE))
        db.session.commit()

    def read(since: float = 0.0, until: float = float("inf")) -> dict[str, list[float]]:
        with app.app_context():
            rows = db.session.execute(text(f"SELECT task, at FROM {TABLE} ORDER BY at")).all()  # noqa: S608
            db.session.rollback()
        found = {task: [] for task in PERIODIC}
        for task, at in rows:
            if task in found and since <= at <= until:
                found[task].append(at)
        return found

    yield read
    with app.app_context():
        db.session.execute(text(f"DROP TABLE IF EXISTS {TABLE}"))
        db.session.commit()


@pytest.fixture
def node(test_env, tmp_path):
    """This test's processes, on a queue of their own with a two-second sweep; all stopped afterwards."""
    env = {**test_env, "JOBS_SWEEP_SECONDS": str(PERIOD), "CELERY_DEFAULT_QUEUE": f"one-beat-{uuid.uuid4().hex[:8]}"}
    started = []

    def start(kind: str, name: str):
        log = str(tmp_path / f"{name}.log")
        if kind == "web":
            process = Gunicorn(env, 3, log).wait_ready()
        elif kind == "worker":
            process = WorkerProcess(env, log, f"{name}-{uuid.uuid4().hex[:6]}", include=["tests.run_counter"]).start()
        else:
            process = BeatProcess(env, log, str(tmp_path / f"{name}-schedule")).start()
        started.append(process)
        return process

    yield start
    for process in reversed(started):
        process.stop()


def _follow(app, reader, author):
    from blog.extensions import db
    from blog.models import AuthorFollow

    with app.app_context():
        db.session.add(AuthorFollow(follower_id=reader.id, author_id=author.id))
        db.session.commit()


def test_each_periodic_job_runs_once_per_period_and_a_second_beat_sends_nothing_twice(
    app, node, runs, make_user, make_post, smtp_server
):
    node("web", "web")
    node("worker", "w1")
    node("worker", "w2")
    time.sleep(2 * PERIOD)
    assert runs() == {task: [] for task in PERIODIC}, "web processes or workers scheduled periodic work"

    beat = node("beat", "beat1")
    started = time.time()
    time.sleep(5 * PERIOD + 0.5)
    window = runs(started, time.time())
    for task, times in window.items():
        gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
        assert 5 <= len(times) <= 7, f"{task} ran {len(times)} times in 5 periods"
        assert min(gaps) > PERIOD / 2, f"{task} ran twice in one period: {gaps}"

    reader, author = make_user("reader"), make_user("author", roles=("author", "reader"))
    _follow(app, reader, author)
    second = node("beat", "beat2")  # by mistake
    doubled = time.time()
    make_post("Followed news", author=author)
    smtp_server.wait_for_messages(1, timeout=30, to=reader.email)
    time.sleep(3 * PERIOD)
    assert len(runs(doubled, time.time())["blog.mail.tasks.sweep_outbox"]) >= 5, "the second beat did not run"
    second.stop()
    beat.stop()
    follow_mail = [m for m in smtp_server.to(reader.email) if m["Subject"] == "New posts from authors you follow"]
    assert len(follow_mail) == 1
    sent = Counter((m["To"], m["Subject"]) for m in smtp_server.messages)
    assert all(count == 1 for count in sent.values()), sent
