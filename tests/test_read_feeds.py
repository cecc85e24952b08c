"""Atom feeds (parsed by feedparser) and the sitemap (parsed as XML)."""

from datetime import timedelta
from xml.etree import ElementTree

import feedparser

from blog.models import utcnow


def test_the_atom_feed_has_the_latest_20_posts_with_absolute_links(client, make_post):
    for n in range(22):
        make_post(f"Post {n}", tags=["flask"], publish_at=utcnow() - timedelta(hours=n), body=f"Body **{n}**")
    make_post("A draft", status="draft")
    response = client.get("/feed.atom")
    assert response.status_code == 200 and response.mimetype == "application/atom+xml"
    feed = feedparser.parse(response.data)
    assert not feed.bozo, feed.bozo_exception
    assert feed.feed.title == "Flask Blog"
    assert len(feed.entries) == 20
    assert [e.title for e in feed.entries[:2]] == ["Post 0", "Post 1"]
    assert feed.entries[0].link == "http://blog.test/post/post-0"
    assert "<strong>0</strong>" in feed.entries[0].content[0].value
    assert feed.entries[0].tags[0].term == "flask"
    assert all(e.link.startswith("http://blog.test/") for e in feed.entries)


def test_a_tag_feed_has_only_that_tags_posts(client, make_post):
    make_post("Flask post", tags=["flask"])
    make_post("Celery post", tags=["celery"])
    feed = feedparser.parse(client.get("/tag/flask/feed.atom").data)
    assert not feed.bozo
    assert [e.title for e in feed.entries] == ["Flask post"]
    assert feed.feed.link == "http://blog.test/tag/flask"


def test_titles_with_markup_stay_text_in_the_feed(client, make_post):
    make_post("Less <than> & more")
    feed = feedparser.parse(client.get("/feed.atom").data)
    assert not feed.bozo and feed.entries[0].title == "Less <than> & more"


def test_the_sitemap_lists_published_posts_and_tags(client, make_post):
    make_post("Public", tags=["flask"])
    make_post("Hidden", status="draft")
    response = client.get("/sitemap.xml")
    assert response.status_code == 200 and response.mimetype == "application/xml"
    root = ElementTree.fromstring(response.data)  # noqa: S314 - our own page
    namespace = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    locations = [loc.text for loc in root.findall("s:url/s:loc", namespace)]
    assert locations == ["http://blog.test/", "http://blog.test/post/public", "http://blog.test/tag/flask"]
