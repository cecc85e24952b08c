"""Every reading and writing page in a real browser (Playwright driving Debian's chromium), at phone and
desktop widths, on a seeded database; screenshots go to test-artifacts/screenshots/ (git-ignored)."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest

from blog.models import utcnow
from tests.browser import CHROMIUM, SHOTS, VIEWPORTS, chromium
from tests.support import Gunicorn

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
    """A seeded blog served by gunicorn, with an author who can log in."""
    result = app.test_cli_runner().invoke(
        args=["seed", "--posts", "60", "--users", "6", "--comments", "300", "--random-seed", "3"]
    )
    assert result.exit_code == 0, result.output
    author = make_user("writer", roles=("author",), display_name="Wendy Writer")
    make_post(
        "Celery beat in production",
        author=author,
        tags=["celery", "devops"],
        publish_at=utcnow() - timedelta(hours=2),
        body="\n\n".join(
            [
                "Scheduling work with **celery beat** needs exactly one scheduler.",
                "## Configuration",
                "```python\nbeat_schedule = {'sweep': {'task': 'sweep', 'schedule': 30}}\n```",
                "| setting | value |\n|---|---|\n| workers | 4 |\n| beat | 1 |",
            ]
        ),
    )
    server = Gunicorn(test_env, 2, str(instance_dir / "browser-gunicorn.log")).wait_ready()
    yield server, author
    server.stop()


def _shot(page, name: str, size: str) -> None:
    os.makedirs(SHOTS, exist_ok=True)
    page.screenshot(path=os.path.join(SHOTS, f"{name}-{size}.png"))
    page.screenshot(path=os.path.join(SHOTS, f"{name}-{size}-full.png"), full_page=True)


def _fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


@pytest.mark.parametrize("size", list(VIEWPORTS))
def test_reader_pages_work_and_fit_the_screen(browser, site, size):
    server, _ = site
    context = browser.new_context(viewport=VIEWPORTS[size])
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))

    page.goto(server.url + "/")
    assert page.locator("article.post-summary").count() == 10
    assert page.locator("aside.sidebar").is_visible()
    assert _fits_the_screen(page)
    _shot(page, "home", size)

    page.click("text=Celery beat in production")
    page.wait_for_url("**/post/celery-beat-in-production")
    assert page.locator(".post-body h2").inner_text() == "Configuration"
    assert page.locator(".post-body table").is_visible()
    assert page.locator(".post .meta time").inner_text() == "2 hours ago"
    assert page.locator(".post .meta time").get_attribute("title").endswith(" UTC")
    assert _fits_the_screen(page)
    _shot(page, "post", size)

    page.goto(server.url + "/")
    page.click("nav >> text=Search")
    page.fill("input[name=q]", "celery beat")
    page.press("input[name=q]", "Enter")
    page.wait_for_url("**/search?q=celery+beat")
    assert page.locator(".search-hit").count() >= 1
    assert page.locator(".search-hit mark").count() >= 1
    assert _fits_the_screen(page)
    _shot(page, "search", size)

    page.goto(server.url + "/tag/celery")
    assert page.locator("h1").inner_text() == "#celery"
    page.goto(server.url + "/user/writer")
    assert page.locator("h1").inner_text() == "Wendy Writer"
    assert errors == []

    response = page.goto(server.url + "/post/this-does-not-exist")
    assert response.status == 404
    assert page.locator(".error-page h1").inner_text() == "Not Found"
    assert _fits_the_screen(page)
    _shot(page, "error-404", size)
    context.close()


@pytest.mark.parametrize("size", list(VIEWPORTS))
def test_author_writes_with_a_live_preview_and_publishes(browser, site, size):
    server, author = site
    context = browser.new_context(viewport=VIEWPORTS[size])
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(server.url + "/auth/login")
    page.fill("input[name=username]", author.username)
    page.fill("input[name=password]", "correct horse battery")
    page.click("main form button[type=submit]")
    page.wait_for_url(server.url + "/")

    page.click("nav >> text=Write")
    page.fill("input[name=title]", f"Written in the browser at {size} width")
    page.fill(
        "textarea[name=body]",
        "## Hello\n\nA *live* preview, with <script>alert(1)</script> removed.\n\n| a | b |\n|---|---|\n| 1 | 2 |",
    )
    page.wait_for_selector("#preview h2")
    assert page.locator("#preview em").inner_text() == "live"
    assert page.locator("#preview script").count() == 0
    page.fill("input[name=tags]", "Browser, Tests")
    assert not page.locator("input[name=publish_at]").is_visible()  # only for scheduled posts
    page.select_option("select[name=status]", "scheduled")
    assert page.locator("input[name=publish_at]").is_visible()
    page.select_option("select[name=status]", "published")
    assert _fits_the_screen(page)
    _shot(page, "editor", size)

    page.click("form#editor button[type=submit]")
    page.wait_for_url("**/post/written-in-the-browser-at-*")
    assert "is published" in page.locator(".flash").inner_text()
    assert page.locator(".post-body h2").inner_text() == "Hello"
    assert page.locator(".post .tags").inner_text().split() == ["#browser", "#tests"]

    page.fill(".comment-form textarea[name=body]", "A comment with **bold** text")
    page.click(".comment-form button[type=submit]")
    page.wait_for_url("**#comments")
    assert "your comment is published" in page.locator(".flash").inner_text()
    assert page.locator(".comment-body strong").inner_text() == "bold"
    _shot(page, "post-with-comment", size)
    assert errors == []
    context.close()


def test_dark_mode_follows_the_system(browser, site):
    server, _ = site
    context = browser.new_context(viewport=VIEWPORTS["phone"], color_scheme="dark")
    page = context.new_page()
    page.goto(server.url + "/")
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    _shot(page, "home-dark", "phone")
    channels = [int(c) for c in background[background.index("(") + 1 : background.index(")")].split(",")[:3]]
    assert sum(channels) < 200, background
    context.close()
