"""Sessions and CSRF tokens (issue 9, item 9): a fresh session at login and logout, forms that expire kindly."""

from __future__ import annotations

import re
import time

PASSWORD = "correct horse battery"


def _csrf(client, path="/auth/login") -> str:
    return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', client.get(path).get_data(as_text=True))[
        1
    ]


def test_login_starts_a_fresh_session(client, make_user):
    make_user("fay", password=PASSWORD)
    with client.session_transaction() as session:
        session["planted"] = "by someone who set this browser's cookie"
        session["csrf_token"] = "known-to-the-attacker"
    assert client.post("/auth/login", data={"username": "fay", "password": PASSWORD}).status_code == 302
    with client.session_transaction() as session:
        assert "planted" not in session and session.get("csrf_token") != "known-to-the-attacker"
        assert session.get("_user_id")


def test_logout_clears_the_session(client, make_user, login):
    login.as_user(make_user("gus"))
    with client.session_transaction() as session:
        session["draft_hint"] = "left behind"
    client.post("/auth/logout")
    with client.session_transaction() as session:
        assert "draft_hint" not in session and "_user_id" not in session


def test_csrf_tokens_live_eight_hours_by_default(app):
    assert app.config["WTF_CSRF_TIME_LIMIT"] == 8 * 3600


def test_an_expired_form_keeps_the_writers_text(csrf_client, config_override, make_user, make_post, login):
    from tests.conftest import LoginHelper

    post = make_post("Slow reading")
    LoginHelper(csrf_client).as_user(make_user("slow"))
    token = _csrf(csrf_client, f"/post/{post.slug}")
    config_override(WTF_CSRF_TIME_LIMIT=1)
    time.sleep(2.1)
    text = "A long, careful comment\nwritten over a whole afternoon."
    answer = csrf_client.post(f"/post/{post.slug}/comments", data={"csrf_token": token, "body": text})
    page = answer.get_data(as_text=True)
    assert answer.status_code == 400
    assert "The form expired" in page and "Your text is kept" in page
    assert "A long, careful comment\nwritten over a whole afternoon." in page
