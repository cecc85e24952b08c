"""Comment notices are batched per post (issue 9, item 23): one mail per post and 10 minutes, real worker and SMTP."""

from __future__ import annotations

import pytest

from blog.extensions import db
from blog.models import Comment, OutboxMessage, OutboxStatus, utcnow
from blog.notifications.events import BATCH_WINDOW
from tests.support import wait_for

pytestmark = pytest.mark.usefixtures("worker", "beat")  # beat: the sweep hands over a window's notice when due


def _notice_mail(smtp_server, address: str, subject_start: str):
    """The first mail to ``address`` whose subject starts so (new users also get a welcome mail)."""
    return next((m for m in smtp_server.to(address) if m["Subject"].startswith(subject_start)), None)


def _notices(app) -> list[OutboxMessage]:
    with app.app_context():
        rows = db.session.execute(db.select(OutboxMessage).filter_by(kind="comment").order_by(OutboxMessage.id))
        found = list(rows.scalars())
        db.session.expunge_all()
        return found


def test_comments_after_a_sent_notice_are_gathered_into_the_next_windows_one(
    app, make_user, make_post, make_comment, smtp_server
):
    author = make_user("busywriter", roles=("author",))
    post = make_post("A lively post", author=author)
    reader = make_user("talker")
    first = make_comment(post, author=reader, body="First!")
    mail = wait_for(lambda: _notice_mail(smtp_server, "busywriter@example.org", "New comment"), message="the notice")
    assert mail["Subject"] == 'New comment on "A lively post"' and "First!" in mail.get_body(("plain",)).get_content()
    # This window's notice is out: the next comments wait for the next window's, together.
    second = make_comment(post, author=reader, body="Second thought")
    third = make_comment(post, author=reader, body="Third and last")
    now, later = _notices(app)
    assert now.payload["comment_ids"] == [first.id]
    assert later.payload["comment_ids"] == [second.id, third.id], "later comments join one notice"
    assert (
        later.status == OutboxStatus.PENDING
        and later.due_at > utcnow()
        and later.due_at - now.created_at <= BATCH_WINDOW
    )

    with app.app_context():  # the window ends: the gathered notice goes out, listing both
        db.session.execute(db.update(OutboxMessage).where(OutboxMessage.id == later.id).values(due_at=utcnow()))
        db.session.commit()
    second_mail = wait_for(
        lambda: _notice_mail(smtp_server, "busywriter@example.org", "2 new"), timeout=20, message="the gathered notice"
    )
    text = second_mail.get_body(("plain",)).get_content()
    assert "Second thought" in text and "Third and last" in text and "First!" not in text


def test_a_notice_whose_comments_were_all_hidden_is_not_sent(app, make_user, make_post, make_comment, smtp_server):
    author = make_user("quietwriter", roles=("author",))
    post = make_post("A moderated post", author=author)
    reader = make_user("spammer")
    make_comment(post, author=reader, body="hello")
    wait_for(lambda: _notice_mail(smtp_server, "quietwriter@example.org", "New comment"), message="the first notice")
    spam = make_comment(post, author=reader, body="buy now")
    wait_for(lambda: len(_notices(app)) == 2, message="the next window's notice")
    with app.app_context():
        db.session.get(Comment, spam.id).hide()
        later = _notices(app)[1]
        db.session.execute(db.update(OutboxMessage).where(OutboxMessage.id == later.id).values(due_at=utcnow()))
        db.session.commit()
    wait_for(lambda: _notices(app)[1].status == OutboxStatus.CANCELED, timeout=20, message="the notice canceled")
    assert "removed" in _notices(app)[1].last_error
    notices = [m for m in smtp_server.to("quietwriter@example.org") if "comment" in m["Subject"]]
    assert len(notices) == 1
