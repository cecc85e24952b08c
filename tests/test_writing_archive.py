"""The archive: months with their counts, a month's posts, 404 for empty or impossible months."""

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import event

from blog.extensions import db


def _at(year, month, day=15, hour=12):
    return datetime(year, month, day, hour, tzinfo=UTC)


@pytest.fixture
def dated(make_post):
    posts = {}
    for title, moment in [
        ("March one", _at(2025, 3, 1, 0)),
        ("March two", _at(2025, 3, 31, 23)),
        ("December", _at(2025, 12, 31, 23)),
        ("January", _at(2026, 1, 1, 0)),
    ]:
        posts[title] = make_post(title, publish_at=moment)
    make_post("Draft in January", status="draft")
    return posts


def test_the_archive_lists_months_newest_first_with_counts(client, dated):
    page = client.get("/archive").get_data(as_text=True)
    months = re.findall(r'<a href="(/archive/\d{4}/\d{2})">\w+</a>\s*<span class="muted">(\d+) posts?</span>', page)
    assert months == [("/archive/2026/01", "1"), ("/archive/2025/12", "1"), ("/archive/2025/03", "2")]
    assert page.index("<h2>2026</h2>") < page.index("<h2>2025</h2>")


def test_a_month_shows_its_posts_and_only_them(client, dated):
    page = client.get("/archive/2025/03").get_data(as_text=True)
    assert "<h1>March 2025</h1>" in page
    assert page.count('class="post-summary') == 2
    assert page.index("March two") < page.index("March one") and "December" not in page
    assert "January" in client.get("/archive/2026/01").get_data(as_text=True)


@pytest.mark.parametrize(
    "url", ["/archive/2025/04", "/archive/2025/13", "/archive/2025/00", "/archive/0999/01", "/archive/2025/3"]
)
def test_an_empty_or_impossible_month_is_a_404(client, dated, url):
    assert client.get(url).status_code == 404


def test_a_page_past_the_months_last_is_a_404(client, dated):
    assert client.get("/archive/2025/03?page=2").status_code == 404
    assert client.get("/archive/2025/03?page=0").status_code == 404


def test_the_archive_counts_from_the_index_without_reading_the_table(app):
    from blog.archive import queries

    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("the plan is checked on SQLite")
        statement = []

        def keep(_conn, _cursor, sql, params, _context, _many):
            statement.append((sql, params))

        event.listen(db.engine, "before_cursor_execute", keep)
        try:
            queries.months()
        finally:
            event.remove(db.engine, "before_cursor_execute", keep)
        sql, params = statement[-1]
        plan = " ".join(
            str(row[-1]) for row in db.session.connection().exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", params)
        )
        assert "COVERING INDEX ix_posts_status_publish_at" in plan, plan


def test_the_navigation_links_the_archive(client):
    assert '<a href="/archive">Archive</a>' in client.get("/").get_data(as_text=True)
