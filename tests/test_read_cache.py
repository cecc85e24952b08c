"""The page cache: anonymous pages are cached, every write that readers would see invalidates them at once,
in this process and in every other web process sharing the database."""

from datetime import timedelta

import pytest
import requests
from sqlalchemy import update

from blog.extensions import db
from blog.models import Post, utcnow
from tests.support import Gunicorn


@pytest.fixture
def author(make_user):
    return make_user("writer", roles=("author",))


def test_anonymous_pages_are_served_from_the_cache(client, make_post):
    make_post("Cached")
    assert client.get("/").headers["X-Cache"] == "miss"
    second = client.get("/")
    assert second.headers["X-Cache"] == "hit" and b"Cached" in second.data


def test_logged_in_pages_are_never_cached(client, login, make_user, make_post):
    make_post("Cached")
    client.get("/")  # an anonymous copy is cached
    login.as_user(make_user("rita", display_name="Rita"))
    response = client.get("/")
    assert "X-Cache" not in response.headers and b"Rita" in response.data and b"Log out" in response.data


def test_a_pending_flash_message_is_shown_not_cached(client, make_post):
    make_post("Cached")
    client.get("/")
    with client.session_transaction() as session:
        session["_flashes"] = [("info", "You are logged out.")]
    response = client.get("/")
    assert "X-Cache" not in response.headers and b"You are logged out." in response.data
    assert b"You are logged out." not in client.get("/").data


def _publish(client, post):
    client.post("/post/new", data={"title": "Brand new", "body": "x", "tags": "", "status": "published"})


def _edit(client, post):
    client.post(f"/post/{post.slug}/edit", data={"title": "Brand new", "body": "x", "tags": "", "status": "published"})


def _delete(client, post):
    client.post(f"/post/{post.slug}/delete")


def _comment(client, post):
    client.post(f"/post/{post.slug}/comments", data={"body": "Brand new"})


@pytest.mark.parametrize(
    "action, url, expected, present",
    [
        (_publish, "/", "Brand new", True),
        (_edit, "/", "Brand new", True),
        (_edit, "/post/{slug}", "Brand new", True),
        (_delete, "/", "Old title", False),
        (_comment, "/post/{slug}", "Brand new", True),
        (_comment, "/", "1 comment", True),
    ],
)
def test_writes_invalidate_the_cached_pages_at_once(app, make_post, author, login, action, url, expected, present):
    post = make_post("Old title", author=author)
    reader, writer = app.test_client(), app.test_client()
    url = url.format(slug=post.slug)
    reader.get(url)
    assert reader.get(url).headers["X-Cache"] == "hit"
    login.client = writer
    login.as_user(author)
    action(writer, post)
    response = reader.get(url, follow_redirects=True)
    assert (expected in response.get_data(as_text=True)) is present


def test_the_scheduled_publish_sweep_invalidates_the_cache(app, client, make_post, ctx):
    from blog.posts.services import publish_due_posts

    post = make_post("Soon", status="scheduled", publish_at=utcnow() + timedelta(days=1))
    client.get("/")
    db.session.execute(update(Post).where(Post.id == post.id).values(publish_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    assert b"Soon" not in client.get("/").data  # still scheduled: the cached page is right
    assert publish_due_posts() == 1
    assert b"Soon" in client.get("/").data


def test_renaming_an_author_invalidates_the_cache(client, make_post, author, ctx):
    from blog.models import User

    make_post("Post", author=author)
    client.get("/")
    db.session.get(User, author.id).display_name = "Renamed Writer"
    db.session.commit()
    assert b"Renamed Writer" in client.get("/").data


# --- several processes -------------------------------------------------------------------------


@pytest.mark.slow
def test_a_publish_handled_by_one_worker_is_seen_at_once_by_every_other_worker(
    test_env, instance_dir, make_post, make_user
):
    """Two gunicorn servers with two workers each, one database; each worker keeps its own cache."""
    make_post("Already there")
    author = make_user("multi", roles=("author",))
    env = dict(test_env, PAGE_CACHE_ENABLED="1", PAGE_CACHE_SECONDS="300")
    env.pop("CACHE_REDIS_URL", None)
    servers = [Gunicorn(env, 2, str(instance_dir / f"gunicorn-{n}.log")) for n in range(2)]
    try:
        for server in servers:
            server.wait_ready()
        # Warm every worker: many requests over fresh connections reach both workers of each server.
        for server in servers:
            hits = [requests.get(server.url + "/", timeout=5).headers.get("X-Cache") for _ in range(30)]
            assert hits.count("hit") >= 20, hits
        writer = requests.Session()
        login = writer.post(
            servers[0].url + "/auth/login",
            data={"username": author.username, "password": "correct horse battery"},
            timeout=5,
        )
        assert login.ok and "Log out" in login.text
        published = writer.post(
            servers[0].url + "/post/new",
            timeout=5,
            data={"title": "Fresh from worker A", "body": "x", "tags": "", "status": "published"},
        )
        assert published.ok and "is published" in published.text
        for server in servers:
            for _ in range(20):
                page = requests.get(server.url + "/", timeout=5)
                assert "Fresh from worker A" in page.text, f"{server.url} served a stale page"
    finally:
        for server in servers:
            server.stop()


@pytest.fixture
def redis_page_cache(app):
    """The Redis store, on the test Redis (the broker's database), when the run has one."""
    import os

    from blog.main.cache import RedisStore

    url = os.environ.get("BLOG_TEST_BROKER_URL", "")
    if not url.startswith("redis://"):
        pytest.skip("set BLOG_TEST_BROKER_URL to a Redis URL to test the shared page cache")
    local, app.extensions["page_cache"] = app.extensions["page_cache"], RedisStore(url)
    app.extensions["page_cache"].clear()
    yield app.extensions["page_cache"]
    app.extensions["page_cache"].clear()
    app.extensions["page_cache"] = local


def test_the_redis_page_cache_is_shared_and_invalidated_by_a_publish(app, make_post, author, login, redis_page_cache):
    make_post("Old title", author=author)
    first, second = app.test_client(), app.test_client()
    assert first.get("/").headers["X-Cache"] == "miss"
    assert second.get("/").headers["X-Cache"] == "hit"
    assert any(key.startswith(b"blog:page:") for key in redis_page_cache.redis.scan_iter("blog:page:*"))
    writer = app.test_client()
    login.client = writer
    login.as_user(author)
    _publish(writer, None)
    assert b"Brand new" in first.get("/").data


def test_cached_pages_keep_the_headers_of_the_rendered_page(client, make_post):
    make_post("Cached")
    miss = client.get("/")
    hit = client.get("/")
    assert hit.headers["X-Cache"] == "hit" and hit.data == miss.data
    per_request = ("Set-Cookie", "X-Cache", "X-Request-ID")
    kept = {name: value for name, value in miss.headers.items() if name not in per_request}
    assert {name: hit.headers.get(name) for name in kept} == kept  # security headers included
    assert "Set-Cookie" not in hit.headers
    assert hit.headers["X-Request-ID"] != miss.headers["X-Request-ID"]  # each request has its own id


def test_an_anonymous_reader_with_a_cookie_is_served_from_the_cache_too(app, make_post):
    make_post("Cached")
    app.test_client().get("/")  # rendered and stored by a cookie-less reader
    reader = app.test_client()
    reader.set_cookie("session", "not-a-valid-session")
    response = reader.get("/")
    assert response.headers["X-Cache"] == "hit" and b"Cached" in response.data
