"""Search under abuse: capped words and prefixes, a rate limit per address, cached pages, and bad input."""

import string

import pytest
from sqlalchemy import text

from blog.extensions import db
from tests.test_read_search import _titles

# Each starts with a prefix of its own that is no English stop word (PostgreSQL drops "by*").
WORDS = [f"{a}q{b}zoo" for a, b in zip(string.ascii_lowercase, string.ascii_lowercase[::-1], strict=True)]


def test_a_flood_of_prefixes_searches_only_the_first_few(client, make_post):
    for word in WORDS:
        make_post(f"Post {word}")
    flood = " OR ".join(f"{word[:2]}*" for word in WORDS)
    page = client.get("/search", query_string={"q": flood}).get_data(as_text=True)
    assert sorted(_titles(page)) == [f"Post {word}" for word in WORDS[:3]]
    assert "at most 10 words and 3 prefix" in page


def test_too_many_words_are_capped(client, make_post):
    make_post("Post " + " ".join(WORDS[:10]))
    page = client.get("/search", query_string={"q": " ".join(WORDS)}).get_data(as_text=True)
    assert _titles(page) == ["Post " + " ".join(WORDS[:10])], "only the first ten words should be required"
    assert "we left out the rest" in page


def test_one_letter_prefixes_are_searched_as_words(client, make_post):
    make_post("Apple pie")
    page = client.get("/search", query_string={"q": "a*"}).get_data(as_text=True)
    assert _titles(page) == [] and "2 or more letters" in page


def test_search_is_rate_limited_per_address(client, config_override):
    config_override(RATELIMIT_SEARCH="3 per minute")
    statuses = [client.get("/search", query_string={"q": f"word{n}"}).status_code for n in range(4)]
    assert statuses == [200, 200, 200, 429]
    refused = client.get("/search", query_string={"q": "other"})
    assert "Too many searches" in refused.get_data(as_text=True)
    elsewhere = client.get("/search", query_string={"q": "other"}, environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert elsewhere.status_code == 200


def test_search_results_are_cached_until_the_next_write(app, client, make_post):
    first = make_post("Wombat one")
    assert _titles(client.get("/search?q=wombat").get_data(as_text=True)) == ["Wombat one"]
    with app.app_context():  # behind the ORM's back: the generation stays, so the cached page does too
        db.session.execute(text("UPDATE posts SET title = 'Renamed' WHERE id = :id"), dict(id=first.id))
        db.session.commit()
    cached = client.get("/search?q=wombat")
    assert cached.headers["X-Cache"] == "hit" and _titles(cached.get_data(as_text=True)) == ["Wombat one"]
    make_post("Wombat two")  # an ORM write replaces the generation
    fresh = client.get("/search?q=wombat")
    assert fresh.headers["X-Cache"] == "miss"
    assert _titles(fresh.get_data(as_text=True)) == ["Wombat two"]


@pytest.mark.parametrize(
    "query",
    [
        '"unbalanced 博客',
        "OR OR OR",
        "NOT",
        '""""',
        "-",
        "😀🎉 🚀",
        "，。！？……",
        "!!!???",
        "博" * 2000,
        "x " * 1000,
        "博客" * 100,
        "a AND (b OR",
        "'; DROP TABLE posts; --",
        "\\'\\\\",
        "\x00\x01",
    ],
)
def test_bad_input_gives_a_page_not_a_500(client, make_post, query):
    make_post("我的博客", body="我的博客系统使用Flask和Celery。")
    response = client.get("/search", query_string={"q": query})
    assert response.status_code in (200, 400), response.status_code
    page = response.get_data(as_text=True)
    assert "Search" in page and "Something went wrong" not in page
