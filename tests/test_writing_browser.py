"""What a reader sees of issue 11 in a real browser (Playwright driving Debian's chromium): highlighted
code in the light and the dark scheme, a pinned post on top of the home page, an About page in the
navigation; screenshots at 360 px and desktop go to test-artifacts/screenshots/ (git-ignored)."""

from __future__ import annotations

import json
import os
from datetime import timedelta

import pytest

from blog.extensions import db
from blog.models import Post, utcnow
from tests.browser import CHROMIUM, SHOTS, VIEWPORTS, chromium
from tests.support import Gunicorn

CODE = '```python\ndef greet(name: str) -> str:\n    # say hello\n    return f"Hello, {name}!"\n```'

pytestmark = [pytest.mark.browser, pytest.mark.slow]

if not os.path.exists(CHROMIUM):
    pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium to run the browser tests", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")


@pytest.fixture(scope="module")
def browser():
    with chromium(sync_api) as launched:
        yield launched


@pytest.fixture
def site(app, test_env, instance_dir, make_user, make_post):
    """A blog with a few posts, one of them pinned and holding code, and an About page."""
    from blog.pages.services import save_page
    from blog.posts.services import pin_post

    author = make_user("writer", roles=("author",), display_name="Wendy Writer")
    now = utcnow()
    for n in range(4):
        make_post(f"Newer post {n}", author=author, publish_at=now - timedelta(hours=n + 1), body="Plain words. " * 50)
    pinned = make_post(
        "Highlighted code, pinned",
        author=author,
        publish_at=now - timedelta(days=3),
        body="A function that greets.\n\n[TOC]\n\n## The code\n\n" + CODE + "\n\n- [x] highlighted\n- [ ] shipped",
    )
    with app.app_context():
        pin_post(db.session.get(Post, pinned.id))
        save_page(None, title="About", slug="about", body="We write about **Flask**.", in_nav=True, nav_order=1)
    server = Gunicorn(test_env, 2, str(instance_dir / "writing-browser-gunicorn.log")).wait_ready()
    yield server, pinned
    server.stop()


def _shot(page, name: str, size: str) -> None:
    os.makedirs(SHOTS, exist_ok=True)
    page.screenshot(path=os.path.join(SHOTS, f"{name}-{size}.png"), full_page=True)


def _new_page(browser, size: str, scheme: str = "light"):
    context = browser.new_context(viewport=VIEWPORTS[size], color_scheme=scheme)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    return context, page, errors


@pytest.mark.parametrize("size", list(VIEWPORTS))
def test_home_has_the_pinned_post_on_top_and_about_in_the_navigation(browser, site, size):
    server, _ = site
    context, page, errors = _new_page(browser, size)
    page.goto(server.url + "/")
    first = page.locator("article.post-summary").first
    assert "pinned" in first.get_attribute("class")
    assert first.locator("h2").inner_text() == "Highlighted code, pinned"
    assert first.locator(".pin-label").inner_text().lower() == "pinned"
    assert page.locator("article.post-summary").count() == 5
    about = page.locator("header.site-header nav >> text=About")
    assert about.is_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    _shot(page, "writing-home-pinned", size)
    about.click()
    page.wait_for_url("**/p/about")
    assert page.locator("h1").inner_text() == "About"
    assert page.locator(".post-body strong").inner_text() == "Flask"
    _shot(page, "writing-about", size)
    assert errors == []
    context.close()


def _token_colour(page, token_class: str) -> str:
    return page.evaluate(f"getComputedStyle(document.querySelector('.post-body pre.highlight .{token_class}')).color")


@pytest.mark.parametrize("size", list(VIEWPORTS))
def test_code_is_highlighted_in_light_and_dark(browser, site, size):
    server, pinned = site
    colours = {}
    for scheme in ("light", "dark"):
        context, page, errors = _new_page(browser, size, scheme)
        page.goto(f"{server.url}/post/{pinned.slug}")
        block = page.locator(".post-body pre.highlight code.language-python")
        assert block.is_visible()
        assert block.locator("span.k").first.inner_text() == "def"
        background = page.evaluate(
            "getComputedStyle(document.querySelector('.post-body pre.highlight')).backgroundColor"
        )
        colours[scheme] = (_token_colour(page, "k"), _token_colour(page, "c1"), background)
        assert page.locator(".post-body nav.toc a").inner_text() == "The code"
        assert page.locator(".post-body input[type=checkbox][disabled]").count() == 2
        data = json.loads(page.locator('script[type="application/ld+json"]').text_content())
        assert data["@type"] == "BlogPosting" and data["headline"] == "Highlighted code, pinned"
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        _shot(page, f"writing-code-{scheme}", size)
        assert errors == [], errors  # a CSP refusal of the JSON-LD block would be logged here
        context.close()
    assert colours["light"][0] != colours["dark"][0] and colours["light"][2] != colours["dark"][2], colours
    assert colours["light"][2] == "rgb(248, 248, 248)" and colours["dark"][2] == "rgb(13, 17, 23)", colours
