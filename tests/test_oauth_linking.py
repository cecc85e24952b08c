"""Linking provider accounts safely (issue 9, items 10, 11 and 12), against the loopback OIDC provider."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from blog.extensions import db
from blog.models import OAuthAccount
from tests.test_oauth import back_to_blog, consent, flashed, login_through_provider


def _links(app) -> list[tuple[str, int]]:
    with app.app_context():
        return [(a.provider_user_id, a.user_id) for a in db.session.execute(db.select(OAuthAccount)).scalars()]


def test_opening_the_login_url_while_logged_in_links_nothing(app, client, oidc, make_user, login):
    login.as_user(make_user("tess"))
    response = login_through_provider(client)  # a link or image on another site makes the browser do this
    assert response.headers["Location"] == "/auth/account"
    assert "Nothing was linked" in flashed(client, "/auth/account")
    assert _links(app) == []


def test_linking_is_a_post_with_a_csrf_token(app, csrf_client, oidc, make_user):
    from tests.conftest import LoginHelper

    LoginHelper(csrf_client).as_user(make_user("tess"))
    assert csrf_client.post("/auth/oauth/oidc/link").status_code == 400
    assert csrf_client.get("/auth/oauth/oidc/link").status_code == 405


def test_the_confirmation_names_the_provider_account_and_cancel_links_nothing(app, client, oidc, make_user, login):
    login.as_user(make_user("tess"))
    started = client.post("/auth/oauth/oidc/link")
    back = back_to_blog(client, consent(started.headers["Location"]))
    assert back.headers["Location"] == "/auth/oauth/oidc/link/confirm"
    page = client.get("/auth/oauth/oidc/link/confirm").get_data(as_text=True)
    assert "sam@example.org" in page and "Sam Sample" in page and "Loopback SSO" in page
    assert _links(app) == []  # nothing before the confirmation
    client.post("/auth/oauth/oidc/link/confirm", data={"decision": "cancel"})
    assert _links(app) == []
    assert client.post("/auth/oauth/oidc/link/confirm", data={"decision": "link"}).status_code == 302
    assert _links(app) == []  # the pending link was used up by the answer


def test_the_callback_url_comes_from_blog_base_url_not_the_host_header(client, oidc):
    response = client.get("/auth/oauth/oidc", headers={"Host": "evil.example"})
    redirect_uri = parse_qs(urlsplit(response.headers["Location"]).query)["redirect_uri"][0]
    assert redirect_uri == "http://blog.test/auth/oauth/oidc/callback"


def _oauth_only_user(app, client) -> None:
    login_through_provider(client)  # creates "sam", who has no password


def _reauth(client):
    started = client.post("/auth/oauth/oidc/reauth")
    return back_to_blog(client, consent(started.headers["Location"]))


def test_an_account_without_password_must_log_in_at_the_provider_again_to_change_email(app, client, oidc):
    _oauth_only_user(app, client)
    data = {"email-email": "thief@example.org"}
    refused = client.post("/auth/account/email", data=data)
    assert refused.status_code == 400 and "Confirm it is you first" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(db.select(OAuthAccount)).scalar_one().user.email == "sam@example.org"
    assert _reauth(client).headers["Location"] == "/auth/account"
    assert oidc.authorization_requests[-1].get("prompt") == "login"
    assert client.post("/auth/account/email", data=data).status_code == 302


def test_an_account_without_password_must_log_in_at_the_provider_again_to_set_one(app, client, oidc, config_override):
    _oauth_only_user(app, client)
    new = {"password-password": "a fresh passphrase", "password-confirm": "a fresh passphrase"}
    assert client.post("/auth/account/password", data=new).status_code == 400
    _reauth(client)
    config_override(REAUTH_MAX_AGE=-1)  # the confirmation is only good for a few minutes
    assert client.post("/auth/account/password", data=new).status_code == 400
    config_override(REAUTH_MAX_AGE=600)
    assert client.post("/auth/account/password", data=new).status_code == 302
