"""E-mail verification (issue 9, items 1 and 7): confirmed addresses, changes of address, OAuth linking."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from blog.extensions import db
from blog.models import OAuthAccount, OutboxMessage, User
from tests.support import wait_for
from tests.test_accounts import GOOD_PASSWORD, get_user, login_form, register
from tests.test_oauth import flashed, login_through_provider


def _link(smtp_server, address: str, path: str) -> str:
    """Wait for a mail to ``address`` with a link under ``path``; return the link's path."""

    def found():
        for message in smtp_server.to(address):
            match = re.search(rf"https?://\S+{path}\S+", message.get_body(("plain",)).get_content())
            if match:
                return urlsplit(match.group(0)).path
        return None

    return wait_for(found, message=f"a mail to {address} with a {path} link")


def _rows(app, kind: str) -> list[OutboxMessage]:
    with app.app_context():
        return list(db.session.execute(db.select(OutboxMessage).filter_by(kind=kind)).scalars())


def test_registration_mails_a_confirmation_link_that_works_once(app, client, smtp_server, worker):
    register(client, username="nina", email="nina@example.org")
    assert not get_user(app, "nina").email_verified
    path = _link(smtp_server, "nina@example.org", "/auth/confirm/")
    assert client.get(path).status_code == 302
    assert get_user(app, "nina").email_verified
    again = client.get(path)
    assert again.status_code == 400 and "already used" in again.get_data(as_text=True)


def test_confirmation_links_are_checked(app, client, make_user, config_override):
    from blog.auth.verification import make_confirm_token

    user = make_user("tess", email_verified_at=None)
    with app.app_context():
        token = make_confirm_token(db.session.get(User, user.id), "tess@example.org")
    tampered = client.get(f"/auth/confirm/{token[:-3]}xyz")
    assert tampered.status_code == 400 and "not valid" in tampered.get_data(as_text=True)
    config_override(EMAIL_CONFIRM_MAX_AGE=-1)
    expired = client.get(f"/auth/confirm/{token}")
    assert expired.status_code == 400 and "expired" in expired.get_data(as_text=True)
    assert not get_user(app, "tess").email_verified


def test_unconfirmed_account_reads_but_cannot_comment_write_or_remind(client, make_user, make_post, login):
    post = make_post("Open to all")
    login.as_user(make_user("newbie", roles=("reader", "author"), email_verified_at=None))
    page = client.get(f"/post/{post.slug}")
    assert page.status_code == 200 and "Confirm your e-mail address to comment" in page.get_data(as_text=True)
    assert "Send the link again" in page.get_data(as_text=True)
    for response in (
        client.post(f"/post/{post.slug}/comments", data={"body": "first!"}),
        client.get("/post/new"),
        client.post(f"/reminders/post/{post.id}", data={"when": "week"}),
    ):
        assert response.status_code == 403
        assert "Confirm your e-mail address first" in response.get_data(as_text=True)


def test_resend_is_keyed_once_per_window_and_rate_limited(app, client, make_user, login):
    user = make_user("again", email_verified_at=None)
    login.as_user(user)
    answers = [client.post("/auth/confirm/resend", data={"next": "/"}).status_code for _ in range(4)]
    assert answers == [302, 302, 302, 429]
    assert len(_rows(app, "confirm_email")) == 1  # three clicks, one mail


def test_unconfirmed_addresses_get_no_digest_announcement_notification_or_reminder(
    app, make_user, make_post, make_comment
):
    from blog.announcements.services import announce
    from blog.digest.services import send_digest
    from blog.models import AuthorFollow, Reminder, utcnow
    from blog.notifications.services import notify_followers

    squatter = make_user("squat", digest="daily", email_verified_at=None, roles=("reader", "author"))
    author = make_user("writer", roles=("author", "reader"))
    post = make_post("News", author=squatter)
    make_comment(post, author=author)
    with app.app_context():
        db.session.add(AuthorFollow(follower_id=squatter.id, author_id=author.id))
        db.session.add(Reminder(user_id=squatter.id, post_id=post.id, text="x", remind_at=utcnow()))
        db.session.commit()
    make_post("Fresh", author=author)
    with app.app_context():
        send_digest(["daily"])
        announce("Hello", "Everyone", audience="role:reader")
        notify_followers()
        rows = db.session.execute(db.select(OutboxMessage).where(OutboxMessage.kind != "welcome")).scalars()
        recipients = {row.recipient for row in rows}
    assert "squat@example.org" not in recipients
    assert "writer@example.org" in recipients  # the confirmed reader still got the announcement


def test_email_change_takes_effect_only_when_confirmed_at_the_new_address(app, client, make_user, smtp_server, worker):
    make_user("wanda", email="wanda@example.org", password=GOOD_PASSWORD)
    login_form(client, "wanda", GOOD_PASSWORD)
    data = {"email-email": "new@example.org", "email-current_password": GOOD_PASSWORD}
    assert client.post("/auth/account/email", data=data).status_code == 302
    assert get_user(app, "wanda").email == "wanda@example.org"
    wait_for(
        lambda: any("is about to change" in m["Subject"] for m in smtp_server.to("wanda@example.org")),
        message="the notice to the old address",
    )
    path = _link(smtp_server, "new@example.org", "/auth/confirm/")
    assert client.get(path).status_code == 302
    assert get_user(app, "wanda").email == "new@example.org"
    assert client.get(path).status_code == 400


def test_pending_email_change_dies_when_sessions_end(app, client, make_user):
    from blog.auth.verification import make_confirm_token

    user = make_user("vic")
    with app.app_context():
        token = make_confirm_token(db.session.get(User, user.id), "thief@example.org")
        db.session.get(User, user.id).end_all_sessions()
        db.session.commit()
    assert client.get(f"/auth/confirm/{token}").status_code == 400
    assert get_user(app, "vic").email == "vic@example.org"


def test_sso_login_never_links_to_an_account_whose_address_is_unconfirmed(app, client, oidc):
    # The attack: register the victim's address with the attacker's password, wait for the victim's SSO login.
    register(client, username="attacker", email="sam@example.org")
    client.post("/auth/logout")
    response = login_through_provider(client)
    assert response.headers["Location"] == "/auth/login"
    message = flashed(client)
    assert "never confirmed" in message and "link the provider from your account page" in message
    with app.app_context():
        assert db.session.execute(db.select(OAuthAccount)).first() is None


def test_owner_claims_an_address_a_provider_did_not_vouch_for_by_a_reset(app, client, oidc, smtp_server, worker):
    oidc.user = dict(oidc.user, email_verified=False)
    login_through_provider(client)
    client.post("/auth/logout")
    squatted = get_user(app, "sam")
    assert squatted.email == "sam@example.org" and not squatted.email_verified
    client.post("/auth/reset", data={"email": "sam@example.org"})
    path = _link(smtp_server, "sam@example.org", "/auth/reset/")
    new = "the real owner's phrase"
    assert client.post(path, data={"password": new, "confirm": new}).status_code == 302
    with app.app_context():
        owner = db.session.execute(db.select(User).filter_by(email="sam@example.org")).scalar_one()
        assert owner.email_verified and owner.oauth_accounts == []
    assert login_form(client, "sam@example.org", new).status_code == 302


def test_reset_link_stops_working_once_the_address_changes(app, client, make_user):
    from blog.auth.tokens import make_reset_token

    user = make_user("rhea")
    with app.app_context():
        token = make_reset_token(db.session.get(User, user.id))
        db.session.get(User, user.id).email = "rhea.new@example.org"
        db.session.commit()
    response = client.get(f"/auth/reset/{token}")
    assert response.status_code == 400
