"""Every save of a published post keeps a revision; its author and editors list, compare and restore them."""

import re

import pytest

from blog.extensions import db
from blog.models import Post, PostRevision


def _form(**fields):
    values = {"title": "Hello world", "body": "First text.", "tags": "a", "status": "published", "publish_at": ""}
    values.update(fields)
    return values


def _revisions(app):
    with app.app_context():
        rows = db.session.execute(db.select(PostRevision).order_by(PostRevision.id)).scalars()
        return [(r.id, r.title, r.body, r.tags, r.author.username if r.author else None) for r in rows]


@pytest.fixture
def author(make_user, login):
    user = make_user("writer", roles=("author",))
    login.as_user(user)
    return user


@pytest.fixture
def edited(client, author):
    """A post published, then edited twice: three revisions."""
    client.post("/post/new", data=_form())
    client.post("/post/hello-world/edit", data=_form(body="Second text.", tags="a, b"))
    client.post("/post/hello-world/edit", data=_form(body="Third text.\nWith a new line.", slug="hello-world"))
    return "/post/hello-world"


def test_each_save_of_a_published_post_keeps_a_revision_with_who_and_what(app, edited):
    assert [row[1:] for row in _revisions(app)] == [
        ("Hello world", "First text.", "a", "writer"),
        ("Hello world", "Second text.", "a,b", "writer"),
        ("Hello world", "Third text.\nWith a new line.", "a", "writer"),
    ]


def test_drafts_keep_no_revisions(app, client, author):
    client.post("/post/new", data=_form(status="draft"))
    client.post("/post/hello-world/edit", data=_form(status="draft", body="Again"))
    assert _revisions(app) == []


def test_an_editor_saving_is_the_one_named(app, client, edited, make_user, login):
    login.as_user(make_user("ed", roles=("editor",)))
    client.post(f"{edited}/edit", data=_form(body="Edited by the editor.", slug="hello-world"))
    assert _revisions(app)[-1][-1] == "ed"


def test_the_author_sees_the_list(client, edited):
    page = client.get(f"{edited}/revisions").get_data(as_text=True)
    assert page.count('<tr id="revision-') == 3
    assert page.index('id="revision-3"') < page.index('id="revision-1"')


def test_a_diff_of_two_revisions_shows_what_changed(client, edited):
    page = client.get(f"{edited}/revisions/diff?from=1&to=3").get_data(as_text=True)
    assert '<span class="diff-del">-First text.</span>' in page
    assert '<span class="diff-add">+Third text.</span>' in page
    assert '<span class="diff-add">+With a new line.</span>' in page
    assert 'diff-del">-Title' not in page


def test_restoring_a_revision_brings_it_back_as_a_new_revision(app, client, edited):
    response = client.post(f"{edited}/revisions/1/restore")
    assert response.status_code == 303
    with app.app_context():
        post = db.session.execute(db.select(Post)).scalar_one()
        assert post.body == "First text." and [t.name for t in post.tags] == ["a"]
        assert "<p>First text.</p>" in post.body_html
    revisions = _revisions(app)
    assert len(revisions) == 4 and revisions[-1][1:4] == ("Hello world", "First text.", "a")
    assert "First text." in client.get(edited).get_data(as_text=True)


def test_only_the_newest_revisions_are_kept(app, client, edited, config_override):
    config_override(REVISIONS_KEEP=2)
    client.post(f"{edited}/edit", data=_form(body="Fourth.", slug="hello-world"))
    assert [row[2] for row in _revisions(app)] == ["Third text.\nWith a new line.", "Fourth."]


def test_a_revision_of_another_post_is_a_404(app, client, edited):
    client.post("/post/new", data=_form(title="Other post"))
    other = _revisions(app)[-1][0]
    assert client.post(f"{edited}/revisions/{other}/restore").status_code == 404
    assert client.get(f"{edited}/revisions/diff?from=1&to={other}").status_code == 404
    assert client.get(f"{edited}/revisions/diff?from=1&to=oops").status_code == 404
    assert client.post(f"{edited}/revisions/999/restore").status_code == 404
    with app.app_context():
        assert db.session.execute(db.select(Post.body).where(Post.slug == "hello-world")).scalar() == (
            "Third text.\nWith a new line."
        )


def test_other_users_cannot_see_or_restore_revisions(client, edited, make_user, login):
    login.as_user(make_user("someone", roles=("author",)))
    assert client.get(f"{edited}/revisions").status_code == 403
    assert client.post(f"{edited}/revisions/1/restore").status_code == 403
    login.logout()
    assert client.get(f"{edited}/revisions").status_code in (302, 401)


def test_restoring_refreshes_the_cached_page(client, edited, login, author):
    login.logout()
    assert "Third text." in client.get(edited).get_data(as_text=True)
    assert client.get(edited).headers["X-Cache"] == "hit"
    login.as_user(author)
    client.post(f"{edited}/revisions/2/restore")
    login.logout()
    assert re.search(r"<p>Second text\.</p>", client.get(edited).get_data(as_text=True))
