"""The editor shows the slug and lets the author change it: unique, old slugs keep redirecting."""

import pytest

from blog.extensions import db
from blog.models import Post, SlugRedirect


def _form(**fields):
    values = {"title": "Hello world", "body": "Some *text*.", "tags": "", "status": "published", "publish_at": ""}
    values.update(fields)
    return values


def _slugs(app):
    with app.app_context():
        posts = dict(db.session.execute(db.select(Post.id, Post.slug)).all())
        redirects = dict(db.session.execute(db.select(SlugRedirect.old_slug, SlugRedirect.post_id)).all())
        return posts, redirects


@pytest.fixture
def author(make_user, login):
    user = make_user("writer", roles=("author",))
    login.as_user(user)
    return user


def test_the_editor_shows_the_slug(client, author, make_post):
    post = make_post("Shown", author=author)
    page = client.get(f"/post/{post.slug}/edit").get_data(as_text=True)
    assert 'name="slug"' in page and f'value="{post.slug}"' in page


def test_an_author_chooses_the_slug_of_a_new_post(app, client, author):
    response = client.post("/post/new", data=_form(slug="My Own  Address!"))
    assert response.headers["Location"].endswith("/post/my-own-address")
    assert _slugs(app)[0] == {1: "my-own-address"}


def test_changing_the_slug_keeps_the_old_one_redirecting(app, client, author):
    client.post("/post/new", data=_form())
    response = client.post("/post/hello-world/edit", data=_form(slug="greetings"))
    assert response.headers["Location"].endswith("/post/greetings")
    old = client.get("/post/hello-world")
    assert old.status_code == 301 and old.headers["Location"].endswith("/post/greetings")
    assert _slugs(app) == ({1: "greetings"}, {"hello-world": 1})


def test_a_chosen_slug_stays_when_only_the_text_changes(app, client, author):
    client.post("/post/new", data=_form(slug="stable"))
    client.post("/post/stable/edit", data=_form(body="New text", slug="stable"))
    assert _slugs(app) == ({1: "stable"}, {})


def test_a_new_title_with_the_slug_untouched_moves_the_slug_as_before(app, client, author):
    client.post("/post/new", data=_form(slug="stable"))
    client.post("/post/stable/edit", data=_form(title="A new title", slug="stable"))
    assert _slugs(app) == ({1: "a-new-title"}, {"stable": 1})


def test_taking_back_an_own_old_slug_moves_the_redirect(app, client, author):
    client.post("/post/new", data=_form())
    client.post("/post/hello-world/edit", data=_form(slug="greetings"))
    response = client.post("/post/greetings/edit", data=_form(slug="hello-world"))
    assert response.status_code == 302
    assert _slugs(app) == ({1: "hello-world"}, {"greetings": 1})
    assert client.get("/post/greetings").headers["Location"].endswith("/post/hello-world")


@pytest.mark.parametrize("taken", ["current", "redirect"])
def test_a_slug_another_post_uses_is_a_form_error(app, client, author, make_post, taken):
    other = make_post("Other post", author=author)
    if taken == "redirect":
        client.post(f"/post/{other.slug}/edit", data=_form(title="Other post", slug="renamed-other"))
    mine = make_post("Mine", author=author)
    before = _slugs(app)
    response = client.post(f"/post/{mine.slug}/edit", data=_form(title="Mine", body="Changed", slug="other-post"))
    assert response.status_code == 200
    assert "The slug “other-post” is taken by another post: choose another." in response.get_data(as_text=True)
    assert _slugs(app) == before
    with app.app_context():
        assert db.session.get(Post, mine.id).body != "Changed"


@pytest.mark.parametrize(
    "slug, message",
    [
        ("!!!", "A slug needs at least one letter or digit."),
        ("a" * 121, "The slug can be at most 120 characters long."),
    ],
)
def test_a_slug_that_cannot_be_used_is_a_form_error(app, client, author, slug, message):
    response = client.post("/post/new", data=_form(slug=slug))
    assert response.status_code == 200 and message in response.get_data(as_text=True)
    assert _slugs(app) == ({}, {})
