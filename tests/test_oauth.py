"""OAuth login through a real OpenID Connect provider on loopback (Authlib's server side), over HTTP."""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests

from blog.extensions import db
from blog.models import OAuthAccount, User


def start(client, url="/auth/oauth/oidc"):
    response = client.get(url)
    assert response.status_code == 302, response.data
    return response.headers["Location"]


def consent(authorize_url: str, decision: str = "allow") -> str:
    """Answer the provider's consent page like a person would; return where it sends the browser back."""
    page = requests.get(authorize_url, timeout=10)
    assert page.status_code == 200 and "Loopback SSO" in page.text, page.text
    answer = requests.post(authorize_url, data={"decision": decision}, allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text
    return answer.headers["Location"]


def back_to_blog(client, location: str):
    parts = urlsplit(location)
    return client.get(f"{parts.path}?{parts.query}")


def login_through_provider(client, decision="allow", url="/auth/oauth/oidc"):
    return back_to_blog(client, consent(start(client, url), decision))


def flashed(client, page="/auth/login") -> str:
    return client.get(page).get_data(as_text=True)


def user_named(app, username):
    with app.app_context():
        return db.session.execute(db.select(User).filter_by(username=username)).scalar_one_or_none()


def test_first_oidc_login_creates_a_reader_linked_to_the_provider(app, client, oidc):
    response = login_through_provider(client)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    with app.app_context():
        user = db.session.execute(db.select(User).filter_by(email="sam@example.org")).scalar_one()
        assert user.username == "sam" and user.display_name == "Sam Sample"
        assert [r.name for r in user.roles] == ["reader"]
        assert [(a.provider, a.provider_user_id) for a in user.oauth_accounts] == [("oidc", "oidc-user-1")]
    assert client.get("/auth/account").status_code == 200


def test_flow_uses_state_pkce_and_nonce(client, oidc):
    login_through_provider(client)
    sent = oidc.authorization_requests[0]
    assert sent["state"] and sent["nonce"]
    assert sent["code_challenge_method"] == "S256" and len(sent["code_challenge"]) >= 43
    assert len(oidc.token_requests[0]["code_verifier"]) >= 43


def test_second_oidc_login_logs_in_the_same_user(app, client, oidc):
    login_through_provider(client)
    client.post("/auth/logout")
    response = login_through_provider(client)
    assert response.status_code == 302
    with app.app_context():
        assert db.session.execute(db.select(db.func.count()).select_from(User)).scalar_one() == 1
    assert client.get("/auth/account").status_code == 200


def test_verified_email_logs_into_the_existing_account(app, client, oidc, make_user):
    existing = make_user("samuel", email="sam@example.org")
    login_through_provider(client)
    with app.app_context():
        link = db.session.execute(db.select(OAuthAccount)).scalar_one()
        assert link.user_id == existing.id
        assert db.session.execute(db.select(db.func.count()).select_from(User)).scalar_one() == 1


def test_unverified_email_never_takes_over_an_existing_account(app, client, oidc, make_user):
    make_user("samuel", email="sam@example.org")
    oidc.user = dict(oidc.user, email_verified=False)
    response = login_through_provider(client)
    assert response.headers["Location"] == "/auth/login"
    assert "An account with this e-mail exists" in flashed(client)
    assert client.get("/auth/account").status_code == 302  # not logged in
    with app.app_context():
        assert db.session.execute(db.select(OAuthAccount)).first() is None


def test_taken_username_gets_a_free_variant(app, client, oidc, make_user):
    make_user("sam", email="other@example.org")
    login_through_provider(client)
    assert user_named(app, "sam-2").email == "sam@example.org"


def link_through_provider(client, decision="link"):
    """Link from the account page: POST, the provider's consent, then the confirmation page."""
    started = client.post("/auth/oauth/oidc/link")
    assert started.status_code == 302, started.data
    back = back_to_blog(client, consent(started.headers["Location"]))
    if back.headers["Location"] != "/auth/oauth/oidc/link/confirm":
        return back
    return client.post("/auth/oauth/oidc/link/confirm", data={"decision": decision})


def test_logged_in_user_links_and_unlinks_the_provider(app, client, oidc, make_user, login):
    user = make_user("tess")
    login.as_user(user)
    response = link_through_provider(client)
    assert response.headers["Location"] == "/auth/account"
    page = client.get("/auth/account").get_data(as_text=True)
    assert "Loopback SSO account is linked" in page and "Unlink" in page
    assert client.post("/auth/oauth/oidc/unlink").status_code == 302
    with app.app_context():
        assert db.session.execute(db.select(OAuthAccount)).first() is None


def test_provider_account_linked_elsewhere_cannot_be_linked_again(client, oidc, make_user, login):
    login_through_provider(client)  # creates "sam" linked to oidc-user-1
    client.post("/auth/logout")
    login.as_user(make_user("uma"))
    response = link_through_provider(client)
    assert response.headers["Location"] == "/auth/account"
    assert "already linked to another user" in client.get("/auth/account").get_data(as_text=True)


def test_oauth_only_user_cannot_unlink_the_last_way_in(client, oidc):
    login_through_provider(client)
    client.post("/auth/oauth/oidc/unlink")
    assert "Set a password first" in client.get("/auth/account").get_data(as_text=True)


def test_deactivated_user_cannot_log_in_through_the_provider(app, client, oidc):
    login_through_provider(client)
    client.post("/auth/logout")
    with app.app_context():
        user = db.session.execute(db.select(User)).scalar_one()
        user.active = False
        db.session.commit()
    login_through_provider(client)
    assert "This account is deactivated." in flashed(client)


def test_wrong_state_gives_a_clear_message(client, oidc):
    location = consent(start(client))
    parts = urlsplit(location)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    query["state"] = "forged-state"
    response = client.get(f"{parts.path}?{urlencode(query)}")
    assert response.headers["Location"] == "/auth/login"
    assert "could not be verified" in flashed(client)
    assert client.get("/auth/account").status_code == 302


def test_denied_consent_gives_a_clear_message(app, client, oidc):
    response = login_through_provider(client, decision="deny")
    assert response.headers["Location"] == "/auth/login"
    assert "You did not allow the login at Loopback SSO" in flashed(client)
    with app.app_context():
        assert db.session.execute(db.select(User)).first() is None


def test_provider_error_gives_a_clear_message(client, oidc, config_override):
    config_override(OIDC_CLIENT_SECRET="not-the-secret")
    login_through_provider(client)
    assert "Loopback SSO refused the login (" in flashed(client)
    assert client.get("/auth/account").status_code == 302


def test_tampered_pkce_verifier_is_refused(client, oidc):
    location = consent(start(client))
    with client.session_transaction() as session:
        for key, value in session.items():
            if key.startswith("_state_oidc_"):
                value["data"]["code_verifier"] = "x" * 64
                session[key] = value
    back_to_blog(client, location)
    assert "refused the login (" in flashed(client)
    assert client.get("/auth/account").status_code == 302


def test_id_token_with_a_wrong_nonce_is_refused(client, oidc):
    oidc.tamper_nonce = True
    login_through_provider(client)
    assert "The answer from Loopback SSO could not be verified (invalid_claim)" in flashed(client)
    assert client.get("/auth/account").status_code == 302


def test_unfinished_logins_do_not_grow_the_session_cookie(app, client, oidc):
    sizes = []
    for _ in range(25):
        start(client)
        cookie = client.get_cookie(app.config.get("SESSION_COOKIE_NAME", "session"))
        sizes.append(len(cookie.value))
        with client.session_transaction() as session:
            pending = [key for key in session if key.startswith("_state_")]
        assert len(pending) <= app.config["OAUTH_PENDING_MAX"]
    assert max(sizes) == max(sizes[2:5]) or max(sizes) < 2 * sizes[3]
    assert max(sizes) < 1500


def test_only_configured_providers_are_offered(client, config_override):
    config_override(OAUTH_PROVIDERS="github,oidc", GITHUB_CLIENT_ID="gh-id", GITHUB_CLIENT_SECRET="gh-secret")
    page = client.get("/auth/login").get_data(as_text=True)
    assert "Log in with GitHub" in page and "Log in with Oidc" not in page
    assert client.get("/auth/oauth/oidc").status_code == 404
    assert client.get("/auth/oauth/facebook").status_code == 404


def test_github_preset_starts_at_github(client, config_override):
    config_override(OAUTH_PROVIDERS="github", GITHUB_CLIENT_ID="gh-id", GITHUB_CLIENT_SECRET="gh-secret")
    location = start(client, "/auth/oauth/github")
    assert location.startswith("https://github.com/login/oauth/authorize?")
    assert "client_id=gh-id" in location and "state=" in location


@pytest.mark.parametrize("target", ["//evil.example", "https://evil.example"])
def test_oauth_next_stays_on_the_site(client, oidc, target):
    response = login_through_provider(client, url=f"/auth/oauth/oidc?next={target}")
    assert response.headers["Location"] == "/"


def test_unreachable_provider_gives_a_clear_message(client, config_override):
    from tests.support import free_port

    config_override(
        OAUTH_PROVIDERS="oidc",
        OIDC_CLIENT_ID="id",
        OIDC_CLIENT_SECRET="secret",
        OIDC_SERVER_METADATA_URL=f"http://127.0.0.1:{free_port()}/.well-known/openid-configuration",
    )
    response = client.get("/auth/oauth/oidc")
    assert response.status_code == 302 and response.headers["Location"] == "/auth/login"
    assert "Oidc cannot be reached right now" in flashed(client)


@pytest.fixture
def github_on_loopback(oidc, config_override):
    """The GitHub preset, with its three addresses pointed at the loopback provider (which speaks GitHub's API)."""
    from tests.oidc_provider import CLIENT_ID, CLIENT_SECRET

    oidc.pkce.required = False  # the GitHub preset sends no PKCE, as GitHub did not require it
    config_override(
        OAUTH_PROVIDERS="github",
        GITHUB_CLIENT_ID=CLIENT_ID,
        GITHUB_CLIENT_SECRET=CLIENT_SECRET,
        GITHUB_AUTHORIZE_URL=f"{oidc.issuer}/authorize",
        GITHUB_ACCESS_TOKEN_URL=f"{oidc.issuer}/token",
        GITHUB_API_BASE_URL=f"{oidc.issuer}/",
    )
    return oidc


def test_github_preset_reads_the_primary_verified_email_from_the_api(app, client, github_on_loopback):
    response = login_through_provider(client, url="/auth/oauth/github")
    assert response.headers["Location"] == "/"
    with app.app_context():
        link = db.session.execute(db.select(OAuthAccount)).scalar_one()
        assert (link.provider, link.provider_user_id) == ("github", "1")
        assert (link.user.username, link.user.email) == ("sam", "sam@example.org")


def test_github_unverified_primary_email_does_not_match_an_account(client, github_on_loopback, make_user):
    make_user("samuel", email="sam@example.org")
    github_on_loopback.user = dict(github_on_loopback.user, email_verified=False)
    login_through_provider(client, url="/auth/oauth/github")
    assert "An account with this e-mail exists" in flashed(client)


@pytest.mark.parametrize(
    "query", ["", "?code=abc", "?state=abc", "?error=server_error&error_description=Down", "?error=access_denied"]
)
def test_odd_callbacks_give_a_message_not_an_error(client, oidc, query):
    response = client.get(f"/auth/oauth/oidc/callback{query}")
    assert response.status_code == 302 and response.headers["Location"] == "/auth/login"
    page = flashed(client)
    assert "Loopback SSO" in page and (
        "refused the login" in page or "could not be verified" in page or "You did not allow" in page
    )
