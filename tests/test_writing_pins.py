"""Editors pin up to three posts to the top of the home page; the cached home page follows at once."""

import re
from datetime import timedelta

import pytest

from blog.extensions import db
from blog.models import Post, utcnow


def _titles(client, url="/"):
    page = client.get(url).get_data(as_text=True)
    cards = page.split('<article class="post-summary')[1:]
    return [(re.search(r"<h2><a [^>]*>([^<]*)</a>", card).group(1), card.startswith(' pinned"')) for card in cards]


def _pinned(app):
    with app.app_context():
        return set(db.session.execute(db.select(Post.title).where(Post.pinned_at.is_not(None))).scalars())


@pytest.fixture
def posts(make_post):
    now = utcnow()
    return [make_post(f"Post {n}", publish_at=now - timedelta(hours=20 - n)) for n in range(12)]


@pytest.fixture
def editor(make_user, login):
    user = make_user("ed", roles=("editor",))
    login.as_user(user)
    return user


def test_a_pinned_post_is_on_top_of_the_home_page_and_not_twice(app, client, posts, editor, login):
    response = client.post(f"/post/{posts[2].slug}/pin")
    assert response.status_code == 303
    login.logout()
    titles = _titles(client)
    assert titles[0] == ("Post 2", True)
    # The pins come on top of a full page of the others.
    assert [title for title, _ in titles[1:]] == [f"Post {n}" for n in range(11, 0, -1) if n != 2]
    assert _titles(client, "/?page=2") == [("Post 0", False)]


def test_pins_are_newest_first_and_only_on_the_home_page(app, client, posts, editor, login):
    for post in (posts[0], posts[5]):
        client.post(f"/post/{post.slug}/pin")
    login.logout()
    assert _titles(client)[:2] == [("Post 5", True), ("Post 0", True)]
    with app.app_context():
        username = db.session.get(Post, posts[0].id).author.username
    assert _titles(client, f"/user/{username}") == [("Post 0", False)]


def test_a_fourth_pin_gets_a_clear_error_and_changes_nothing(app, client, posts, editor):
    for post in posts[:3]:
        client.post(f"/post/{post.slug}/pin")
    response = client.post(f"/post/{posts[3].slug}/pin", follow_redirects=True)
    assert "At most 3 posts can be pinned: unpin one first." in response.get_data(as_text=True)
    assert _pinned(app) == {"Post 0", "Post 1", "Post 2"}
    client.post(f"/post/{posts[0].slug}/unpin")
    client.post(f"/post/{posts[3].slug}/pin")
    assert _pinned(app) == {"Post 1", "Post 2", "Post 3"}


def test_a_draft_cannot_be_pinned(app, client, make_post, editor):
    draft = make_post("Draft", status="draft")
    response = client.post(f"/post/{draft.slug}/pin", follow_redirects=True)
    assert "Only a published post can be pinned." in response.get_data(as_text=True)
    assert _pinned(app) == set()


def test_unpublishing_drops_the_pin(app, client, posts, editor):
    client.post(f"/post/{posts[0].slug}/pin")
    with app.app_context():
        post = db.session.get(Post, posts[0].id)
        post.unpublish()
        db.session.commit()
    assert _pinned(app) == set()


def test_pinning_refreshes_the_cached_home_page(client, posts, make_user, login):
    assert _titles(client)[0] == ("Post 11", False)
    assert client.get("/").headers["X-Cache"] == "hit"
    login.as_user(make_user("ed2", roles=("editor",)))
    client.post(f"/post/{posts[4].slug}/pin")
    login.logout()
    assert _titles(client)[0] == ("Post 4", True)


@pytest.mark.parametrize("roles, status", [(("author",), 403), (("reader",), 403)])
def test_only_editors_pin(app, client, posts, make_user, login, roles, status):
    login.as_user(make_user(roles=roles))
    assert client.post(f"/post/{posts[0].slug}/pin").status_code == status
    assert _pinned(app) == set()


def test_the_post_page_offers_pin_and_unpin_to_editors_only(client, posts, editor, login):
    url = f"/post/{posts[0].slug}"
    assert "Pin to the home page" in client.get(url).get_data(as_text=True)
    client.post(f"{url}/pin")
    assert ">Unpin</button>" in client.get(url).get_data(as_text=True)
    login.logout()
    assert "Unpin" not in client.get(url).get_data(as_text=True)


def test_pinning_an_unknown_post_is_a_404(client, editor):
    assert client.post("/post/nothing-here/pin").status_code == 404
