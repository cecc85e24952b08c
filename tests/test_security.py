"""Web security: CSRF on every state-changing request, security headers and cookies, rate limits, unlock."""

from __future__ import annotations

import os
import re

import pytest

from blog.extensions import db
from blog.models import User

PASSWORD = "a quiet brown heron"
TEMPLATES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "templates")


# --- CSRF ---

#: Views that take a POST without a CSRF token on purpose, and why. Nothing else may.
CSRF_EXEMPT = {
    # RFC 8058 one-click unsubscribe: mail clients POST without cookies; only the signed token counts.
    "digest.unsubscribe",
}


def _state_changing_urls(app) -> list[str]:
    urls = []
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/") or not ({"POST", "PUT", "PATCH", "DELETE"} & rule.methods):
            continue
        if rule.endpoint in CSRF_EXEMPT:
            continue
        values = {arg: 1 for arg in rule.arguments}
        for arg, converter in rule._converters.items():
            if hasattr(converter, "items"):  # any(...) converters take one of their words
                values[arg] = next(iter(converter.items))
        urls.append(re.sub(r"<(?:[^:>]+:)?([^>]+)>", lambda m, values=values: str(values[m.group(1)]), rule.rule))
    return urls


def test_every_state_changing_request_needs_a_csrf_token(app, csrf_client, login, make_user):
    csrf_login = type(login)(csrf_client)
    csrf_login.as_user(make_user("boss", roles=("reader", "editor", "author", "admin")))
    urls = _state_changing_urls(app)
    assert "/auth/logout" in urls and "/admin/users/1/roles" in urls and "/auth/login" in urls
    for url in urls:
        response = csrf_client.post(url, data={})
        assert response.status_code == 400, f"POST {url} without a CSRF token answered {response.status_code}"
        assert "CSRF" in response.get_data(as_text=True)


def _csrf_token(page: str) -> str:
    return (
        re.search(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"', page)
        .group(0)
        .rsplit('value="', 1)[1]
        .rstrip('"')
    )


def test_forms_work_with_their_csrf_token(csrf_client, make_user):
    make_user("kim", password=PASSWORD)
    token = _csrf_token(csrf_client.get("/auth/login").get_data(as_text=True))
    response = csrf_client.post("/auth/login", data={"username": "kim", "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    # Logging out is a POST with a token; a token-less one (a cross-site form) leaves the user logged in.
    assert csrf_client.post("/auth/logout").status_code == 400
    assert csrf_client.get("/auth/account").status_code == 200
    token = _csrf_token(csrf_client.get("/auth/account").get_data(as_text=True))
    assert csrf_client.post("/auth/logout", data={"csrf_token": token}).status_code == 302
    assert csrf_client.get("/auth/account").status_code == 302


def test_logout_is_not_a_get(client):
    assert client.get("/auth/logout").status_code == 405


# --- headers and cookies ---


@pytest.mark.parametrize(
    "path", ["/", "/auth/login", "/auth/register", "/no-such-page", "/api/health", "/static/css/blog.css"]
)
def test_security_headers_on_every_response(client, path):
    headers = client.get(path).headers
    csp = dict(part.strip().split(" ", 1) for part in headers["Content-Security-Policy"].split(";"))
    assert csp["script-src"] == "'self'" and "unsafe-inline" not in headers["Content-Security-Policy"]
    assert csp["frame-ancestors"] == "'none'" and csp["object-src"] == "'none'"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "Strict-Transport-Security" not in headers


def test_hsts_in_production(client, config_override):
    from config import ProdConfig

    assert ProdConfig.SECURITY_HSTS is True
    config_override(SECURITY_HSTS=True)
    assert client.get("/").headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_cookies_are_http_only_and_same_site_and_secure_in_production(client, make_user, config_override):
    from config import ProdConfig

    assert ProdConfig.SESSION_COOKIE_SECURE is True and ProdConfig.REMEMBER_COOKIE_SECURE is True
    config_override(SESSION_COOKIE_SECURE=True, REMEMBER_COOKIE_SECURE=True)
    make_user("lou", password=PASSWORD)
    response = client.post("/auth/login", data={"username": "lou", "password": PASSWORD, "remember": "y"})
    cookies = {c.split("=", 1)[0]: c for c in response.headers.getlist("Set-Cookie")}
    for name in ("session", "remember_token"):
        assert "HttpOnly" in cookies[name] and "SameSite=Lax" in cookies[name] and "Secure" in cookies[name]


def test_pages_have_nothing_the_policy_blocks():
    """No inline script, event handler or style attribute in page templates (mail is not under the CSP)."""
    offenders = []
    for folder, _dirs, files in os.walk(TEMPLATES):
        for name in files:
            path = os.path.relpath(os.path.join(folder, name), TEMPLATES)
            text = open(os.path.join(folder, name), encoding="utf-8").read()
            if (
                # A JSON-LD data block is not script: the CSP's script-src does not apply to it.
                re.search(r"<script(?![^>]*\b(?:src=|type=\"application/ld\+json\"))[^>]*>", text)
                or re.search(r"\son[a-z]+\s*=", text)
                or "javascript:" in text
                or (not path.startswith("email") and re.search(r"\sstyle\s*=", text))
            ):
                offenders.append(path)
    assert offenders == []


# --- rate limits ---


def _fail_login(client, username, address):
    return client.post(
        "/auth/login",
        data={"username": username, "password": "wrong wrong wrong"},
        environ_base={"REMOTE_ADDR": address},
    )


def test_failed_logins_from_one_address_are_limited_with_a_friendly_429(client):
    for n in range(10):
        assert _fail_login(client, f"guess{n}", "10.0.0.1").status_code == 200
    response = _fail_login(client, "guess-more", "10.0.0.1")
    assert response.status_code == 429
    assert "Too many failed logins; please wait" in response.get_data(as_text=True)
    assert int(response.headers["Retry-After"]) > 0
    assert _fail_login(client, "guess-more", "10.0.0.2").status_code == 200  # other addresses still may


def test_failed_logins_against_one_account_are_limited_from_any_address(client, make_user):
    make_user("mona", email="mona@example.org", password=PASSWORD)
    for n in range(10):
        # Either of the account's names counts against the same account.
        assert _fail_login(client, "mona" if n % 2 else "MONA@example.org", f"10.0.1.{n}").status_code == 200
    assert _fail_login(client, "mona", "10.0.1.200").status_code == 429


def test_unknown_account_is_limited_like_a_known_one(client):
    for n in range(10):
        _fail_login(client, "ghost", f"10.0.2.{n}")
    assert _fail_login(client, "ghost", "10.0.2.200").status_code == 429


def test_successful_logins_do_not_count(client, make_user):
    make_user("nell", password=PASSWORD)
    for _ in range(12):
        response = client.post("/auth/login", data={"username": "nell", "password": PASSWORD})
        assert response.status_code == 302


@pytest.mark.parametrize(("url", "allowed"), [("/auth/register", 10), ("/auth/reset", 5)])
def test_registration_and_reset_are_limited(client, url, allowed):
    for _ in range(allowed):
        assert client.post(url, data={"email": "not an address"}).status_code == 200
    assert client.post(url, data={"email": "not an address"}).status_code == 429


def test_unlock_clears_the_limit_of_a_user(app, client, make_user):
    make_user("olive", email="olive@example.org", password=PASSWORD)
    for n in range(11):
        _fail_login(client, "olive", f"10.0.3.{n}")
    ok = {"username": "olive", "password": PASSWORD}
    assert client.post("/auth/login", data=ok, environ_base={"REMOTE_ADDR": "10.0.3.99"}).status_code == 429
    result = app.test_cli_runner().invoke(args=["unlock", "--user", "OLIVE@example.org"])
    assert result.exit_code == 0 and "Unlocked user 'olive'" in result.output
    assert client.post("/auth/login", data=ok, environ_base={"REMOTE_ADDR": "10.0.3.99"}).status_code == 302


def test_unlock_clears_the_limit_of_an_address(app, client):
    for n in range(11):
        _fail_login(client, f"name{n}", "10.0.4.1")
    assert _fail_login(client, "name", "10.0.4.1").status_code == 429
    result = app.test_cli_runner().invoke(args=["unlock", "--address", "10.0.4.1"])
    assert result.exit_code == 0 and "Unlocked address 10.0.4.1" in result.output
    assert _fail_login(client, "name", "10.0.4.1").status_code == 200


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "say whom to unlock"),
        (["--user", "nobody"], "no user has the username or e-mail 'nobody'"),
    ],
)
def test_unlock_with_bad_arguments_says_what_is_wrong(app, args, message):
    result = app.test_cli_runner().invoke(args=["unlock", *args])
    assert result.exit_code != 0 and message in result.output


@pytest.fixture
def two_web_processes(test_env, instance_dir):
    """Two gunicorn processes of the blog sharing rate limits through Redis, as two workers or nodes would."""
    import uuid

    from tests.support import Gunicorn

    url = os.environ.get("BLOG_TEST_BROKER_URL", "")
    if not url.startswith("redis://"):
        pytest.skip("needs Redis: set BLOG_TEST_BROKER_URL=redis://...")
    env = dict(test_env, RATELIMIT_STORAGE_URI=url, RATELIMIT_KEY_PREFIX=f"test-{uuid.uuid4().hex[:8]}")
    servers = [Gunicorn(env, 1, str(instance_dir / f"limits-{n}.log")) for n in range(2)]
    try:
        yield [server.wait_ready().url for server in servers]
    finally:
        for server in servers:
            server.stop()


@pytest.mark.slow
def test_redis_shares_the_counters_between_web_processes(two_web_processes):
    import requests

    first, second = two_web_processes
    form = {"username": "shared-guess", "password": "wrong wrong wrong"}
    for n in range(10):
        answer = requests.post(f"{(first, second)[n % 2]}/auth/login", data=form, timeout=10)
        assert answer.status_code == 200
    assert requests.post(f"{first}/auth/login", data=form, timeout=10).status_code == 429
    assert requests.post(f"{second}/auth/login", data=form, timeout=10).status_code == 429


def test_user_model_is_untouched_by_rate_limit_checks(app, client, make_user):
    make_user("pat", password=PASSWORD)
    _fail_login(client, "pat", "10.0.5.1")
    with app.app_context():
        assert db.session.execute(db.select(User).filter_by(username="pat")).scalar_one().active
