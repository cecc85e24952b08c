"""Reminders, comments and digest links cannot leak, spam or outlive a rotation (issue 9, items 6, 14, 22, 23)."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from blog.extensions import db
from blog.models import OutboxMessage, OutboxStatus, Post, User, utcnow
from blog.reminders.services import set_reminder
from tests.support import wait_for

SPAM = "URGENT: your bank account is locked, visit https://bank.example.com/unlock now"


def _reminder_row(app) -> OutboxMessage:
    with app.app_context():
        row = db.session.execute(db.select(OutboxMessage).filter_by(kind="reminder")).scalar_one()
        db.session.expunge(row)
        return row


def test_another_authors_draft_answers_like_a_missing_post(client, login, make_user, make_post):
    login.as_user(make_user("curious"))
    draft = make_post("Secret plans", status="draft")
    hidden = client.post(f"/reminders/post/{draft.id}", data={"when": "1h"})
    missing = client.post("/reminders/post/999999", data={"when": "1h"})
    assert hidden.status_code == missing.status_code == 404
    assert "Secret plans" not in hidden.get_data(as_text=True)


@pytest.mark.usefixtures("worker")
def test_a_reminder_whose_post_became_a_draft_is_canceled_not_mailed(app, make_user, make_post, smtp_server):
    reader = make_user("waiting")
    post = make_post("Soon to be withdrawn")
    with app.app_context():
        remind_at = utcnow() + timedelta(seconds=2)
        set_reminder(db.session.get(User, reader.id), db.session.get(Post, post.id), remind_at)
        db.session.get(Post, post.id).unpublish()
        db.session.commit()

    wait_for(lambda: _reminder_row(app).status == OutboxStatus.CANCELED, message="the reminder canceled")
    assert "no longer public" in _reminder_row(app).last_error
    time.sleep(0.5)
    assert not [m for m in smtp_server.to("waiting@example.org") if m["Subject"].startswith("Reminder")]


@pytest.mark.usefixtures("worker")
def test_a_note_arrives_quoted_and_with_no_clickable_link(app, make_user, make_post, smtp_server):
    reader = make_user("noted")
    post = make_post("With a note")
    with app.app_context():
        remind_at = utcnow() + timedelta(seconds=1)
        set_reminder(db.session.get(User, reader.id), db.session.get(Post, post.id), remind_at, SPAM)

    mail = wait_for(
        lambda: next((m for m in smtp_server.to("noted@example.org") if m["Subject"].startswith("Reminder")), None),
        message="the reminder",
    )
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    assert "> URGENT: your bank account is locked, visit hxxps://bank[.]example[.]com/unlock now" in text
    assert "https://bank.example.com" not in text and "bank.example.com" not in html
    assert "<blockquote" in html


def test_reminders_waiting_at_once_are_capped(client, login, make_user, make_post, config_override):
    config_override(REMINDERS_PENDING_MAX=3)
    login.as_user(make_user("hoarder"))
    post = make_post("Popular")
    codes = [client.post(f"/reminders/post/{post.id}", data={"when": "week"}).status_code for _ in range(4)]
    assert codes == [302, 302, 302, 400]
    assert "reminders waiting already" in client.post(f"/reminders/post/{post.id}", data={"when": "1h"}).get_data(
        as_text=True
    )


def test_setting_reminders_is_rate_limited_per_user(client, login, make_user, make_post, config_override):
    config_override(RATELIMIT_REMINDERS="2 per hour")
    login.as_user(make_user("hasty"))
    post = make_post("Busy")
    codes = [client.post(f"/reminders/post/{post.id}", data={"when": "week"}).status_code for _ in range(3)]
    assert codes == [302, 302, 429]


def test_comment_floods_get_the_429_page_per_user_and_per_address(client, login, make_user, make_post, config_override):
    config_override(RATELIMIT_COMMENTS="3 per minute", RATELIMIT_COMMENTS_ADDRESS="5 per minute")
    post = make_post("Popular thread")
    login.as_user(make_user("chatty"))
    codes = [client.post(f"/post/{post.slug}/comments", data={"body": f"Me again, {n}"}).status_code for n in range(4)]
    assert codes == [302, 302, 302, 429]
    assert "commenting very fast" in client.post(f"/post/{post.slug}/comments", data={"body": "x"}).get_data(
        as_text=True
    )
    login.as_user(make_user("neighbour"))  # another user behind the same address
    codes = [client.post(f"/post/{post.slug}/comments", data={"body": f"Hi {n}"}).status_code for n in range(3)]
    assert codes == [302, 302, 429], "the address's own limit counts every user's comments"


def test_unsubscribe_page_masks_the_address_and_a_rotated_secret_retires_old_links(app, client, make_user):
    from blog.digest.services import unsubscribe_token

    user = make_user("maskedreader", digest="daily")
    with app.app_context():
        reader = db.session.get(User, user.id)
        token = unsubscribe_token(reader.id, reader.mail_secret)
    page = client.get(f"/digest/unsubscribe/{token}").get_data(as_text=True)
    assert "m***@example.org" in page and "maskedreader@example.org" not in page
    with app.app_context():
        db.session.get(User, user.id).rotate_mail_secret()
        db.session.commit()
    assert client.get(f"/digest/unsubscribe/{token}").status_code == 404
    assert client.post(f"/digest/unsubscribe/{token}").status_code == 404
    with app.app_context():
        assert db.session.get(User, user.id).digest == "daily"


def test_an_old_style_unsubscribe_token_naming_only_the_user_no_longer_works(app, client, make_user):
    from itsdangerous import URLSafeSerializer

    user = make_user("oldlink", digest="daily")
    with app.app_context():
        legacy = URLSafeSerializer(app.config["SECRET_KEY"], salt="digest-unsubscribe").dumps(user.id)
    assert client.post(f"/digest/unsubscribe/{legacy}").status_code == 404
