"""Scheduled posts go public on time without anyone acting: an ETA task, and the periodic sweep behind it."""

from datetime import timedelta

import pytest
from sqlalchemy import update

from blog.extensions import db
from blog.models import Post, utcnow
from tests.support import wait_for


def _status(app, post_id):
    with app.app_context():
        return db.session.get(Post, post_id).status


@pytest.mark.slow
def test_a_scheduled_post_is_published_by_the_worker_at_its_time(app, client, login, make_user, worker):
    author = make_user("scheduler", roles=("author",))
    login.as_user(author)
    when = (utcnow() + timedelta(seconds=3)).replace(microsecond=0)
    response = client.post(
        "/post/new",
        data={
            "title": "On time",
            "body": "x",
            "tags": "",
            "status": "scheduled",
            "publish_at": when.strftime("%Y-%m-%dT%H:%M:%S"),
        },
    )
    assert response.status_code == 302
    reader = app.test_client()
    assert b"On time" not in reader.get("/").data
    wait_for(lambda: _status(app, 1) == "published", timeout=30, message=f"the ETA task; log:\n{worker.log()}")
    assert utcnow() >= when
    assert b"On time" in reader.get("/").data


@pytest.mark.slow
def test_the_sweep_publishes_a_post_whose_task_was_lost(app, make_post, start_worker):
    # make_post enqueues nothing: as if the broker had lost the ETA task.
    post = make_post("Lost task", status="scheduled", publish_at=utcnow() + timedelta(hours=1))
    with app.app_context():
        db.session.execute(update(Post).where(Post.id == post.id).values(publish_at=utcnow() - timedelta(minutes=1)))
        db.session.commit()
    beat = start_worker("sweeper", beat=True)
    wait_for(lambda: _status(app, post.id) == "published", timeout=40, message=f"the sweep; log:\n{beat.log()}")
    assert b"Lost task" in app.test_client().get("/").data
