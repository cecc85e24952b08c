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
