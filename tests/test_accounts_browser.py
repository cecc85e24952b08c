"""Accounts in a real browser (Debian's chromium through Playwright): register, log in and out, reset a
password from the mail, log in through the loopback OpenID Connect provider, and promote a reader."""

from __future__ import annotations

import os
import re
from urllib.parse import urlsplit

import pytest

from blog.extensions import db
from blog.models import User
from tests.support import PROJECT_ROOT, wait_for

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = os.path.join(PROJECT_ROOT, "test-artifacts")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"{CHROMIUM} is missing: apt-get install chromium"),
]


@pytest.fixture
def page(live_server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-background-networking", "--disable-gpu"],
        )
        context = browser.new_context(base_url=live_server)
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.csp_violations = []
        page.on("console", lambda msg: "Content Security Policy" in msg.text and page.csp_violations.append(msg.text))
        yield page
        os.makedirs(ARTIFACTS, exist_ok=True)
        page.screenshot(path=os.path.join(ARTIFACTS, "accounts-last-page.png"), full_page=True)
        browser.close()


def shot(page, name):
    os.makedirs(ARTIFACTS, exist_ok=True)
    page.screenshot(path=os.path.join(ARTIFACTS, f"accounts-{name}.png"), full_page=True)


def log_in(page, username, password):
    page.goto("/auth/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button:has-text('Log in')")


def log_out(page):
    page.click("header button:has-text('Log out')")
    page.wait_for_selector("text=You are logged out.")


def test_accounts_in_a_real_browser(app, page, live_server, smtp_server, worker, oidc, make_user, config_override):
    from playwright.sync_api import expect

    # The OAuth callback is built from BLOG_BASE_URL (never the Host header): the site's address here.
    config_override(BLOG_BASE_URL=live_server)

    # Register, and be logged in straight away.
    page.goto("/auth/register")
    page.fill("input[name=username]", "nina")
    page.fill("input[name=email]", "nina@example.org")
    page.fill("input[name=password]", "a quiet brown heron")
    page.fill("input[name=confirm]", "a quiet brown heron")
    page.click("button:has-text('Create my account')")
    expect(page.locator("p.flash")).to_contain_text("Welcome, nina!")
    shot(page, "registered")
    log_out(page)

    # Log in with the e-mail address, then out again.
    log_in(page, "nina@example.org", "a quiet brown heron")
    expect(page.locator("p.flash")).to_contain_text("Welcome back, nina.")
    log_out(page)

    # Forget the password: the link comes by mail, through the worker and the SMTP server.
    page.goto("/auth/login")
    page.click("text=Forgot your password?")
    page.fill("input[name=email]", "nina@example.org")
    page.click("button:has-text('Send me a link')")
    expect(page.locator("p.flash")).to_contain_text("we have e-mailed it a link")
    mail = wait_for(
        lambda: next((m for m in smtp_server.to("nina@example.org") if m["Subject"] == "Reset your password"), None),
        message="the reset mail",
    )
    link = re.search(r"https?://\S+/auth/reset/\S+", mail.get_body(("plain",)).get_content()).group(0)
    page.goto(urlsplit(link).path)
    page.fill("input[name=password]", "a fresh new passphrase")
    page.fill("input[name=confirm]", "a fresh new passphrase")
    page.click("button:has-text('Set my password')")
    expect(page.locator("p.flash")).to_contain_text("Your password is changed")
    log_in(page, "nina", "a fresh new passphrase")
    expect(page.locator("p.flash")).to_contain_text("Welcome back, nina.")
    log_out(page)

    # Log in through the loopback OpenID Connect provider.
    page.goto("/auth/login")
    shot(page, "login")
    page.click("text=Log in with Loopback SSO")
    expect(page.locator("h1")).to_have_text("Loopback SSO")
    shot(page, "provider-consent")
    page.click("button:has-text('Allow')")
    expect(page.locator("p.flash")).to_contain_text("Welcome, Sam Sample.")
    assert page.url.startswith(live_server)
    page.click("nav >> text=Account")
    expect(page.locator("#linked-accounts")).to_contain_text("Loopback SSO: linked")
    shot(page, "account")
    log_out(page)

    # An admin promotes the reader to author on the simple role page.
    make_user("boss", roles=("reader", "admin"), password="the boss's passphrase")
    log_in(page, "boss", "the boss's passphrase")
    page.click("nav >> text=Admin")
    page.click("table >> text=nina")
    page.check("input[type=checkbox][value=author]")
    page.click("button:has-text('Save roles')")
    expect(page.locator("p.flash")).to_contain_text("Roles of nina saved (+author)")
    shot(page, "promoted")
    with app.app_context():
        nina = db.session.execute(db.select(User).filter_by(username="nina")).scalar_one()
        assert sorted(r.name for r in nina.roles) == ["author", "reader"]
    _assert_can_write(app, nina.id)
    assert page.csp_violations == []


def _assert_can_write(app, user_id):
    """The editor pages are another area's; the author's permission to write is what this area grants."""
    from flask_login import login_user
    from flask_principal import Identity, identity_loaded

    from blog.permissions import write_permission

    with app.test_request_context():
        login_user(db.session.get(User, user_id))
        identity = Identity(user_id)
        identity_loaded.send(app, identity=identity)
        assert write_permission.allows(identity)
    if any(rule.rule == "/post/new" for rule in app.url_map.iter_rules()):  # once the editor is merged
        client = app.test_client()
        with client.session_transaction() as session:
            with app.app_context():
                session["_user_id"] = db.session.get(User, user_id).get_id()
        assert client.get("/post/new").status_code == 200
