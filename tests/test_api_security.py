"""The API's authentication (issue 9, items 8 and 24): no cookie-only writes, case-insensitive Bearer."""

from __future__ import annotations

import re

import pytest

from blog.extensions import db
from blog.models import Announcement

MAIL = {"to": ["someone@example.org"], "subject": "Hi", "body": "Hello"}


def _announcements(app) -> int:
    with app.app_context():
        return db.session.execute(db.select(db.func.count()).select_from(Announcement)).scalar_one()


def _token(client, login, user) -> str:
    login.as_user(user)
    page = client.post("/account/tokens/", data={"name": "script"}).get_data(as_text=True)
    login.logout()
    return page.split("<code>")[1].split("</code>")[0]


def test_admin_session_cookie_alone_cannot_send_mail(app, client, login, make_user):
    login.as_user(make_user("boss", roles=("admin", "reader")))
    answer = client.post("/api/mail", json=MAIL)  # what a cross-site form or fetch would send
    assert answer.status_code == 403 and "X-CSRFToken" in answer.json["message"]
    assert _announcements(app) == 0


def test_session_cookie_with_the_pages_csrf_token_may_send_mail(app, client, login, make_user):
    login.as_user(make_user("boss", roles=("admin", "reader")))
    page = client.get("/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert client.post("/api/mail", json=MAIL, headers={"X-CSRFToken": token}).status_code == 202
    assert _announcements(app) == 1


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER", "bEaReR"])
def test_the_bearer_scheme_is_case_insensitive(app, client, login, make_user, scheme):
    token = _token(client, login, make_user("boss", roles=("admin", "reader")))
    assert client.post("/api/mail", json=MAIL, headers={"Authorization": f"{scheme} {token}"}).status_code == 202


@pytest.mark.parametrize("header", ["Basic abc", "Bearer", "Bearer    ", "Bearertoken"])
def test_other_schemes_and_empty_tokens_get_401(client, header):
    assert client.post("/api/mail", json=MAIL, headers={"Authorization": header}).status_code == 401


def _token_with(client, login, user, scopes) -> str:
    login.as_user(user)
    page = client.post("/account/tokens/", data={"name": "script", "scopes": scopes}).get_data(as_text=True)
    login.logout()
    return page.split("<code>")[1].split("</code>")[0]


def _bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_a_password_change_revokes_the_users_api_tokens(app, client, login, make_user):
    admin = make_user("boss", roles=("admin", "reader"), password="correct horse battery")
    token = _token(client, login, admin)
    login.as_user(admin)
    new = {
        "password-current_password": "correct horse battery",
        "password-password": "a different passphrase",
        "password-confirm": "a different passphrase",
    }
    assert client.post("/auth/account/password", data=new).status_code == 302
    login.logout()
    assert client.post("/api/mail", json=MAIL, headers=_bearer(token)).status_code == 401


def test_logging_out_everywhere_revokes_the_users_api_tokens(app, client, login, make_user):
    admin = make_user("boss", roles=("admin", "reader"))
    token = _token(client, login, admin)
    login.as_user(admin)
    assert client.post("/auth/account/sessions").status_code == 302
    login.logout()
    assert client.post("/api/mail", json=MAIL, headers=_bearer(token)).status_code == 401


def test_tokens_expire(app, client, login, make_user, config_override):
    from datetime import timedelta

    from blog.models import ApiToken, utcnow

    token = _token(client, login, make_user("boss", roles=("admin", "reader")))
    assert client.post("/api/mail", json=MAIL, headers=_bearer(token)).status_code == 202
    with app.app_context():
        row = db.session.execute(db.select(ApiToken)).scalar_one()
        row.created_at = utcnow() - timedelta(days=91)
        db.session.commit()
    assert client.post("/api/mail", json=MAIL, headers=_bearer(token)).status_code == 401
    config_override(API_TOKEN_MAX_AGE_DAYS=365)
    assert client.post("/api/mail", json=MAIL, headers=_bearer(token)).status_code == 202


def test_a_token_is_limited_to_its_scopes(app, client, login, make_user):
    admin = make_user("boss", roles=("admin", "reader"))
    reader_token = _token_with(client, login, admin, ["tasks:read"])
    refused = client.post("/api/mail", json=MAIL, headers=_bearer(reader_token))
    assert refused.status_code == 403 and "mail:send" in refused.json["message"]
    sender_token = _token_with(client, login, admin, ["mail:send"])
    sent = client.post("/api/mail", json=MAIL, headers=_bearer(sender_token))
    assert sent.status_code == 202
    assert client.get(sent.json["status_url"], headers=_bearer(sender_token)).status_code == 403
    assert client.get(sent.json["status_url"], headers=_bearer(reader_token)).status_code == 200


def test_the_tokens_page_shows_scopes_last_use_and_expiry(client, login, make_user):
    admin = make_user("boss", roles=("admin", "reader"))
    token = _token_with(client, login, admin, ["tasks:read"])
    client.get("/api/tasks/1", headers=_bearer(token))
    login.as_user(admin)
    page = client.get("/account/tokens/").get_data(as_text=True)
    assert "tasks:read" in page and "never" not in page and "Expires" in page
    assert client.post("/account/tokens/", data={"name": "x", "scopes": ["root"]}).status_code == 400
