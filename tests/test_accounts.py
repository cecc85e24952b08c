"""Registration, login, password reset, the account page and revoking sessions."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from blog.extensions import db
from blog.models import AuthorRequest, OutboxMessage, User

GOOD_PASSWORD = "a quiet brown heron"


def register(client, username="nina", email="nina@example.org", password=GOOD_PASSWORD, confirm=None):
    return client.post(
        "/auth/register",
        data={
            "username": username,
            "email": email,
            "password": password,
            "confirm": password if confirm is None else confirm,
        },
    )


def login_form(client, username, password, remember=False):
    data = {"username": username, "password": password}
    if remember:
        data["remember"] = "y"
    return client.post("/auth/login", data=data)


def get_user(app, username) -> User | None:
    with app.app_context():
        user = db.session.execute(db.select(User).filter_by(username=username)).scalar_one_or_none()
        if user is not None:
            db.session.expunge(user)
        return user


# --- registration ---


def test_registration_creates_a_logged_in_reader_and_queues_the_welcome_mail(app, client):
    response = register(client)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert client.get("/auth/account").status_code == 200
    with app.app_context():
        user = db.session.execute(db.select(User).filter_by(username="nina")).scalar_one()
        assert [r.name for r in user.roles] == ["reader"]
        assert user.password_hash.startswith("$2b$04$")  # bcrypt with the configured cost
        welcome = db.session.execute(db.select(OutboxMessage).filter_by(kind="welcome")).scalar_one()
        assert welcome.recipient == "nina@example.org"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"password": "short pw"}, "Use at least 10 characters."),
        ({"password": "password123"}, "one of the most common"),
        ({"password": "QWERTYUIOP"}, "one of the most common"),
        ({"username": "longusername", "password": "longusername"}, "Do not use your username"),
        ({"password": "aaaaaaaaaaaa"}, "more than one or two different characters"),
        ({"confirm": "something else entirely"}, "The passwords differ."),
        ({"username": "a b"}, "Use letters, digits"),
        ({"email": "not-an-address"}, "Invalid email address"),
        ({"password": "x" * 1025}, "Field cannot be longer than 1024 characters."),
    ],
)
def test_registration_rejects_bad_input_with_a_form_error(app, client, fields, message):
    response = register(client, **fields)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(db.select(User)).first() is None


@pytest.mark.parametrize(
    ("username", "email", "message"),
    [
        ("NINA", "other@example.org", "This username is taken."),
        ("other", "Nina@Example.org", "An account with this e-mail exists"),
    ],
)
def test_username_and_email_are_unique_whatever_their_case(client, make_user, username, email, message):
    make_user("nina", email="nina@example.org")
    response = register(client, username=username, email=email)
    assert message in response.get_data(as_text=True)


def test_password_longer_than_bcrypt_reads_is_accepted_and_checked_in_full(client):
    long_password = "correct horse " * 8  # 112 bytes; bcrypt alone would ignore everything after 72
    assert register(client, password=long_password).status_code == 302
    client.post("/auth/logout")
    assert login_form(client, "nina", long_password[:72] + "different tail").status_code == 200
    assert login_form(client, "nina", long_password).status_code == 302


def test_recaptcha_is_shown_only_when_configured(client, config_override):
    assert "g-recaptcha" not in client.get("/auth/register").get_data(as_text=True)
    config_override(RECAPTCHA_PUBLIC_KEY="site-key", RECAPTCHA_PRIVATE_KEY="secret-key")
    response = client.get("/auth/register")
    assert 'class="g-recaptcha"' in response.get_data(as_text=True)
    assert "https://www.google.com/recaptcha/" in response.headers["Content-Security-Policy"]


# --- login ---


def test_login_failure_for_unknown_and_known_accounts_looks_the_same(client, make_user):
    make_user("olga", password=GOOD_PASSWORD)
    known = login_form(client, "olga", "wrong password here")
    unknown = login_form(client, "nobody-here", "wrong password here")
    assert known.status_code == unknown.status_code == 200
    scrub = re.compile(r'name="(csrf_token|username)"[^>]*>')
    assert scrub.sub("", known.get_data(as_text=True)) == scrub.sub("", unknown.get_data(as_text=True))


def test_remember_me_sets_a_persistent_http_only_cookie(client, make_user):
    make_user("pia", password=GOOD_PASSWORD)
    response = login_form(client, "pia", GOOD_PASSWORD, remember=True)
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("remember_token="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Expires=" in cookie


# --- password reset ---


def test_reset_answers_the_same_for_unknown_addresses_and_mails_only_known_ones(app, client, make_user):
    make_user("quinn", email="quinn@example.org")
    known = client.post("/auth/reset", data={"email": "quinn@example.org"})
    unknown = client.post("/auth/reset", data={"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 302
    assert known.headers["Location"] == unknown.headers["Location"] == "/auth/login"
    with app.app_context():
        mails = db.session.execute(db.select(OutboxMessage).filter_by(kind="password_reset")).scalars().all()
        assert [m.recipient for m in mails] == ["quinn@example.org"]


def reset_link(smtp_server, address) -> str:
    """Wait for the reset mail to ``address`` and return the path of its link."""
    from tests.support import wait_for

    message = wait_for(
        lambda: next((m for m in smtp_server.to(address) if m["Subject"] == "Reset your password"), None),
        message=f"the reset mail to {address}",
    )
    text = message.get_body(("plain",)).get_content()
    link = re.search(r"https?://\S+/auth/reset/\S+", text).group(0)
    return urlsplit(link).path


def test_reset_link_from_the_mail_sets_a_new_password_once(app, client, make_user, smtp_server, worker):
    make_user("rita", email="rita@example.org", password=GOOD_PASSWORD)
    client.post("/auth/reset", data={"email": "rita@example.org"})
    path = reset_link(smtp_server, "rita@example.org")
    assert client.get(path).status_code == 200
    new = "a brand new passphrase"
    assert client.post(path, data={"password": new, "confirm": new}).status_code == 302
    assert login_form(client, "rita", GOOD_PASSWORD).status_code == 200
    assert login_form(client, "rita", new).status_code == 302
    reused = client.get(path)
    assert reused.status_code == 400 and "already used" in reused.get_data(as_text=True)


def test_tampered_and_expired_reset_links_say_so(app, client, make_user, config_override):
    from blog.auth.tokens import make_reset_token

    user = make_user("sara")
    with app.test_request_context():
        token = make_reset_token(db.session.get(User, user.id))
    tampered = client.get(f"/auth/reset/{token[:-3]}abc")
    assert tampered.status_code == 400 and "not valid" in tampered.get_data(as_text=True)
    config_override(PASSWORD_RESET_MAX_AGE=-1)
    expired = client.get(f"/auth/reset/{token}")
    assert expired.status_code == 400 and "has expired" in expired.get_data(as_text=True)


def test_reset_enforces_the_password_policy(app, client, make_user):
    from blog.auth.tokens import make_reset_token

    user = make_user("tina")
    with app.test_request_context():
        token = make_reset_token(db.session.get(User, user.id))
    response = client.post(f"/auth/reset/{token}", data={"password": "password123", "confirm": "password123"})
    assert response.status_code == 200 and "most common" in response.get_data(as_text=True)


# --- account page ---


def test_account_settings_are_saved(app, client, make_user, login):
    user = make_user("ulla")
    login.as_user(user)
    response = client.post(
        "/auth/account/profile", data={"profile-display_name": "Ulla U.", "profile-digest": "weekly"}
    )  # unchecked box: no notifications
    assert response.status_code == 302
    saved = get_user(app, "ulla")
    assert (saved.display_name, saved.digest, saved.notify_comments) == ("Ulla U.", "weekly", False)


def test_unknown_digest_frequency_is_a_form_error(client, make_user, login):
    login.as_user(make_user("vera"))
    response = client.post("/auth/account/profile", data={"profile-digest": "hourly"})
    assert response.status_code == 400 and "Not a valid choice" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("current", "email", "status", "expected"),
    [
        # The new address takes effect only once confirmed (tests/test_verification.py).
        (GOOD_PASSWORD, "new@example.org", 302, "wanda@example.org"),
        ("wrong password!", "new@example.org", 400, "wanda@example.org"),
        (GOOD_PASSWORD, "taken@example.org", 400, "wanda@example.org"),
    ],
)
def test_email_change_needs_the_password_and_a_free_address(
    app, client, make_user, login, current, email, status, expected
):
    make_user("taken", email="taken@example.org")
    login.as_user(make_user("wanda", email="wanda@example.org", password=GOOD_PASSWORD))
    response = client.post("/auth/account/email", data={"email-email": email, "email-current_password": current})
    assert response.status_code == status
    assert get_user(app, "wanda").email == expected


def test_password_change_needs_the_current_password(client, make_user, login):
    login.as_user(make_user("xena", password=GOOD_PASSWORD))
    response = client.post(
        "/auth/account/password",
        data={
            "password-current_password": "not it at all",
            "password-password": "another good one",
            "password-confirm": "another good one",
        },
    )
    assert response.status_code == 400 and "The current password is wrong." in response.get_data(as_text=True)


def test_reader_asks_once_to_become_an_author(app, client, make_user, login):
    login.as_user(make_user("yara"))
    for _ in range(2):
        assert (
            client.post("/auth/account/author-request", data={"author-note": "I write about birds."}).status_code == 302
        )
    with app.app_context():
        requests = db.session.execute(db.select(AuthorRequest)).scalars().all()
        assert [(r.note, r.status) for r in requests] == [("I write about birds.", "pending")]
    assert "waiting for an admin" in client.get("/auth/account").get_data(as_text=True)


# --- revoking sessions ---


def _revoke_by_logout(app, client, user):
    client.post("/auth/logout")


def _revoke_by_password_change(app, client, user):
    response = client.post(
        "/auth/account/password",
        data={
            "password-current_password": GOOD_PASSWORD,
            "password-password": "another good one",
            "password-confirm": "another good one",
        },
    )
    assert response.status_code == 302
    assert client.get("/auth/account").status_code == 200  # this browser stays logged in


def _revoke_by_logout_everywhere(app, client, user):
    assert client.post("/auth/account/sessions").status_code == 302
    assert client.get("/auth/account").status_code == 200


def _revoke_by_deactivation(app, client, user):
    from blog.admin.services import deactivate

    with app.app_context():
        admin = User(username="boss", email="boss@example.org")
        db.session.add(admin)
        deactivate(admin, db.session.get(User, user.id))


@pytest.mark.parametrize(
    "revoke", [_revoke_by_logout, _revoke_by_password_change, _revoke_by_logout_everywhere, _revoke_by_deactivation]
)
@pytest.mark.parametrize("cookie_name", ["session", "remember_token"])
def test_copied_cookie_stops_working_when_sessions_end(app, make_user, revoke, cookie_name):
    user = make_user("zoe", password=GOOD_PASSWORD)
    browser = app.test_client()
    assert login_form(browser, "zoe", GOOD_PASSWORD, remember=True).status_code == 302
    stolen = browser.get_cookie(cookie_name).value
    thief = app.test_client()
    thief.set_cookie(cookie_name, stolen)
    assert thief.get("/auth/account").status_code == 200  # the copy works until the sessions end
    thief = app.test_client()
    thief.set_cookie(cookie_name, stolen)
    revoke(app, browser, user)
    response = thief.get("/auth/account")
    assert response.status_code == 302 and response.headers["Location"].startswith("/auth/login")


def test_deactivated_user_cannot_log_in_again(app, client, make_user):
    make_user("abby", password=GOOD_PASSWORD)
    _revoke_by_deactivation(app, client, get_user(app, "abby"))
    assert login_form(client, "abby", GOOD_PASSWORD).status_code == 200


def test_logging_out_elsewhere_keeps_this_browser_remembered(app, make_user):
    make_user("beth", password=GOOD_PASSWORD)
    browser = app.test_client()
    login_form(browser, "beth", GOOD_PASSWORD, remember=True)
    old = browser.get_cookie("remember_token").value
    browser.post("/auth/account/sessions")
    new = browser.get_cookie("remember_token").value
    assert new != old
    later = app.test_client()  # the browser restarted: only the remember-me cookie is left
    later.set_cookie("remember_token", new)
    assert later.get("/auth/account").status_code == 200
