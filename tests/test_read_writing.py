"""Writing: the editor with its form errors, slugs, deleting, comments and the live preview."""

from datetime import timedelta

import pytest

from blog.extensions import db
from blog.models import Post, utcnow


def _post(app, **filters):
    with app.app_context():
        post = db.session.execute(db.select(Post).filter_by(**filters)).scalar_one_or_none()
        if post is not None:
            post.tags  # noqa: B018 - load while the session is open
            db.session.expunge(post)
        return post


def _form(**fields):
    values = {"title": "Hello world", "body": "Some *text*.", "tags": "", "status": "published", "publish_at": ""}
    values.update(fields)
    return values


@pytest.fixture
def author(make_user, login):
    user = make_user("writer", roles=("author",))
    login.as_user(user)
    return user


def test_author_publishes_a_post_with_normalised_tags(app, client, author):
    response = client.post("/post/new", data=_form(tags="Flask, web dev, flask, , Python"))
    post = _post(app, title="Hello world")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/post/{post.slug}")
    assert post.slug == "hello-world" and post.status == "published"
    assert [t.name for t in post.tags] == ["flask", "python", "web-dev"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "is published" in page and "<em>text</em>" in page


def test_a_chinese_title_gives_a_usable_unique_slug(app, client, author):
    client.post("/post/new", data=_form(title="你好，世界"))
    client.post("/post/new", data=_form(title="你好，世界"))
    slugs = sorted(p.slug for p in [_post(app, id=1), _post(app, id=2)])
    assert slugs[0] and slugs[0].isascii() and slugs[0] != "post"
    assert slugs[1] == f"{slugs[0]}-2"
    assert client.get(f"/post/{slugs[1]}").status_code == 200


def test_renaming_a_post_keeps_its_old_url_working(app, client, author):
    client.post("/post/new", data=_form(title="First title"))
    client.post("/post/first-title/edit", data=_form(title="Second title"))
    assert _post(app, id=1).slug == "second-title"
    old = client.get("/post/first-title")
    assert old.status_code == 301 and old.headers["Location"].endswith("/post/second-title")
    assert client.get("/post/second-title").status_code == 200


def test_the_editor_is_prefilled_when_editing(client, author, make_post):
    post = make_post("Editable", author=author, body="Original **body**", tags=["a", "b"])
    page = client.get(f"/post/{post.slug}/edit").get_data(as_text=True)
    assert 'value="Editable"' in page and "Original **body**" in page and 'value="a, b"' in page
    assert "<strong>body</strong>" in page  # the preview starts with the saved rendering


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"title": ""}, "Give the post a title."),
        ({"title": "x" * 201}, "at most 200 characters"),
        ({"body": ""}, "Write something in the post."),
        ({"body": "x" * 100_001}, "at most 100,000 characters"),
        ({"tags": ", ".join(f"t{n}" for n in range(11))}, "at most 10 tags"),
        ({"tags": "a" * 41}, "A tag can be at most 40 characters"),
        ({"tags": "!!!"}, "at least one letter or digit"),
        ({"status": "scheduled"}, "Choose when a scheduled post should be published."),
        ({"status": "scheduled", "publish_at": "2001-01-01T10:00"}, "must be in the future"),
        ({"status": "scheduled", "publish_at": "not a date"}, "Not a valid datetime value"),
        ({"status": "secret"}, "Not a valid choice"),
    ],
)
def test_post_form_errors_say_what_is_wrong(app, client, author, fields, message):
    response = client.post("/post/new", data=_form(**fields))
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert _post(app, author_id=author.id) is None


def test_a_scheduled_post_is_saved_with_its_time(app, client, author):
    when = (utcnow() + timedelta(days=2)).replace(second=0, microsecond=0)
    response = client.post("/post/new", data=_form(status="scheduled", publish_at=when.strftime("%Y-%m-%dT%H:%M")))
    post = _post(app, title="Hello world")
    assert post.status == "scheduled" and post.publish_at == when
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "will be published on" in page and "scheduled" in page


@pytest.mark.parametrize(
    "role, new_status, edit_status",
    [
        ("reader", 403, 403),
        ("author", 200, 403),
        ("editor", 200, 200),
        ("admin", 200, 200),
    ],
)
def test_who_may_write_and_edit_others_posts(client, login, make_user, make_post, role, new_status, edit_status):
    post = make_post("Someone's post")
    login.as_user(make_user(roles=(role,)))
    assert client.get("/post/new").status_code == new_status
    assert client.get(f"/post/{post.slug}/edit").status_code == edit_status


@pytest.mark.parametrize(
    "method, url",
    [
        ("get", "/post/new"),
        ("get", "/post/a-post/edit"),
        ("post", "/post/a-post/delete"),
        ("post", "/post/a-post/comments"),
    ],
)
def test_anonymous_writers_are_sent_to_the_login_page(client, make_post, method, url):
    make_post("A post")
    response = getattr(client, method)(url)
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_author_deletes_their_post_and_it_is_gone(app, client, author, make_post, make_comment):
    post = make_post("Doomed", author=author)
    make_comment(post)
    response = client.post(f"/post/{post.slug}/delete")
    assert response.status_code == 302
    assert "is deleted" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert _post(app, id=post.id) is None
    assert client.get(f"/post/{post.slug}").status_code == 404


def test_author_cannot_delete_others_post(app, client, author, make_post):
    post = make_post("Not yours")
    assert client.post(f"/post/{post.slug}/delete").status_code == 403
    assert _post(app, id=post.id) is not None


def test_reader_comments_and_is_redirected_back_with_a_message(client, login, make_user, make_post):
    post = make_post("Discuss")
    login.as_user(make_user("reader1", display_name="Rita Reader"))
    response = client.post(f"/post/{post.slug}/comments", data={"body": "Great **post**"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/post/{post.slug}#comments")
    page = client.get(f"/post/{post.slug}").get_data(as_text=True)
    assert "your comment is published" in page and "Great <strong>post</strong>" in page and "Rita Reader" in page


@pytest.mark.parametrize(
    "body, message", [("", "Write something before sending."), ("x" * 5001, "at most 5,000 characters")]
)
def test_comment_form_errors_say_what_is_wrong(client, login, make_user, make_post, body, message):
    post = make_post("Discuss")
    login.as_user(make_user())
    response = client.post(f"/post/{post.slug}/comments", data={"body": body})
    assert response.status_code == 400 and message in response.get_data(as_text=True)


def test_nobody_comments_on_a_draft_they_cannot_see(client, login, make_user, make_post):
    post = make_post("Draft", status="draft")
    login.as_user(make_user())
    assert client.post(f"/post/{post.slug}/comments", data={"body": "hi"}).status_code == 404


def test_preview_renders_markdown_through_the_sanitiser(client, author):
    response = client.post("/post/preview", json={"body": "# Title\n\n<script>alert(1)</script> *ok*"})
    assert response.status_code == 200
    html = response.get_json()["html"]
    assert '<h1 id="title">Title<a class="header-anchor"' in html and "<em>ok</em>" in html and "<script" not in html


def test_preview_refuses_what_is_not_text(client, author):
    response = client.post("/post/preview", json={"body": 42}, headers={"Accept": "application/json"})
    assert response.status_code == 400 and "string" in response.get_json()["message"]


def test_readers_cannot_use_the_preview(client, login, make_user):
    login.as_user(make_user())
    assert client.post("/post/preview", json={"body": "x"}).status_code == 403
