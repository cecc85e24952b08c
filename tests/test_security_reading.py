"""Reading and writing holes from the security review (issue 9, items 13, 17, 18, 20)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from blog.models import utcnow


def test_a_tag_only_drafts_use_is_unknown_to_readers(client, make_post):
    make_post("Secret merger plan", status="draft", tags=("acme-merger",))
    make_post("Later", status="scheduled", publish_at=utcnow() + timedelta(days=3), tags=("launch-day",))
    make_post("Public news", tags=("news",))
    for name in ("acme-merger", "launch-day"):
        assert client.get(f"/tag/{name}").status_code == 404
        assert client.get(f"/tag/{name}/feed.atom").status_code == 404
    assert client.get("/tag/no-such-tag").status_code == 404
    assert client.get("/tag/news").status_code == 200
    sitemap = client.get("/sitemap.xml").get_data(as_text=True)
    assert "/tag/news" in sitemap and "acme-merger" not in sitemap and "launch-day" not in sitemap
    home = client.get("/").get_data(as_text=True)
    assert "acme-merger" not in home and "launch-day" not in home


@pytest.mark.parametrize("url", ["/admin/", "/admin/roles/log", "/admin/mail", "/admin/moderation"])
@pytest.mark.parametrize("page", ["99999999999999999999999", "100001", "0", "-3"])
def test_absurd_admin_page_numbers_are_404_not_500(client, login, make_user, url, page):
    login.as_user(make_user("boss", roles=("admin", "editor", "reader")))
    assert client.get(f"{url}?page={page}").status_code == 404
    assert client.get(f"{url}?page=1").status_code == 200


def _valid_xml(text: str) -> None:
    import xml.etree.ElementTree as ElementTree

    ElementTree.fromstring(text.encode())  # noqa: S314 - our own page; ParseError on a forbidden character


def test_control_characters_are_stripped_from_titles_bodies_and_names(app, client, login, make_user):
    from blog.extensions import db
    from blog.models import Post, User

    writer = make_user("writer", roles=("author", "reader"))
    login.as_user(writer)
    data = {"title": "Quarterly\x0bresults\x00", "body": "Up\x08 and\x1f up", "tags": "news", "status": "published"}
    assert client.post("/post/new", data=data).status_code == 302
    profile = {"profile-display_name": "Wri\x07ter", "profile-digest": "none"}
    assert client.post("/auth/account/profile", data=profile).status_code == 302
    with app.app_context():
        post = db.session.execute(db.select(Post)).scalar_one()
        assert (post.title, post.body) == ("Quarterlyresults", "Up and up")
        assert db.session.get(User, writer.id).display_name == "Writer"
    login.logout()
    _valid_xml(client.get("/feed.atom").get_data(as_text=True))


def test_feeds_stay_valid_xml_with_control_characters_saved_before(client, make_post):
    make_post("Old\x0btitle", body="old\x0cbody", tags=("news",))
    for url in ("/feed.atom", "/tag/news/feed.atom", "/sitemap.xml"):
        _valid_xml(client.get(url).get_data(as_text=True))


def test_preview_is_rate_limited_per_author_and_capped(client, login, make_user, config_override):
    config_override(RATELIMIT_PREVIEW="5 per minute")
    login.as_user(make_user("fast", roles=("author", "reader")))
    answers = [client.post("/post/preview", json={"body": "[" * 1000}).status_code for _ in range(6)]
    assert answers == [200] * 5 + [429]
    login.as_user(make_user("other", roles=("author", "reader")))
    assert client.post("/post/preview", json={"body": "fine"}).status_code == 200  # per author, not global
    too_long = client.post("/post/preview", json={"body": "[" * 100_001}, headers={"Accept": "application/json"})
    assert too_long.status_code == 400 and "at most 100,000" in too_long.json["message"]


def test_anonymous_resend_goes_to_the_login_page(client):
    assert client.post("/auth/confirm/resend").status_code == 302
