"""The public pages: home, post, tag, author, with drafts hidden from other readers."""

from datetime import timedelta

import pytest

from blog.models import utcnow


def test_home_lists_posts_newest_first_with_author_tags_summary_and_comment_count(client, make_post, make_comment):
    old = make_post("Older post", tags=["flask"], publish_at=utcnow() - timedelta(days=2))
    make_post("Newer post", tags=["celery", "Python Tips"], body="First paragraph of the newer post.")
    make_comment(old)
    make_comment(old)
    page = client.get("/").get_data(as_text=True)
    assert page.index("Newer post") < page.index("Older post")
    assert "#python-tips" in page and "First paragraph of the newer post." in page
    assert "2 comments" in page and "0 comments" in page
    assert "2 days ago" in page and 'title="20' in page  # exact time on hover


def test_home_sidebar_shows_recent_posts_and_top_tags(client, make_post):
    for n in range(7):
        make_post(f"Post {n}", tags=["common"] + (["rare"] if n == 0 else []))
    page = client.get("/").get_data(as_text=True)
    sidebar = page.split('class="sidebar"')[1]
    assert sidebar.count("/post/") == 5
    assert sidebar.index("#common") < sidebar.index("#rare")
    assert "<small>7</small>" in sidebar


def test_home_pages_through_ten_posts_at_a_time(client, make_post):
    for n in range(12):
        make_post(f"Post number {n:02d}", publish_at=utcnow() - timedelta(hours=n))
    first = client.get("/").get_data(as_text=True)
    second = client.get("/?page=2").get_data(as_text=True)
    assert first.count('class="post-summary"') == 10 and "Post number 00" in first
    assert second.count('class="post-summary"') == 2 and "Post number 11" in second
    assert 'rel="next"' in first and 'rel="prev"' in second
    assert client.get("/?page=3").status_code == 404
    assert client.get("/?page=-1").status_code == 404


def test_post_page_renders_markdown_tags_and_comments_oldest_first(client, make_post, make_comment):
    post = make_post("Markdown post", body="# Heading\n\nSome **bold** text.", tags=["flask"])
    make_comment(post, body="First comment")
    make_comment(post, body="Second *comment*")
    page = client.get(f"/post/{post.slug}").get_data(as_text=True)
    assert (
        '<h1 id="heading">Heading<a class="header-anchor"' in page
        and "<strong>bold</strong>" in page
        and "#flask" in page
    )
    assert page.index("First comment") < page.index("Second <em>comment</em>")
    assert "2 comments" in page
    assert "Log in</a> to comment" in page


@pytest.mark.parametrize("status", ["draft", "scheduled"])
@pytest.mark.parametrize(
    "viewer, visible",
    [
        ("anonymous", False),
        ("reader", False),
        ("other_author", False),
        ("owner", True),
        ("editor", True),
        ("admin", True),
    ],
)
def test_unpublished_posts_are_visible_only_to_their_author_and_editors(
    client, login, make_user, make_post, status, viewer, visible
):
    owner = make_user("owner", roles=("author",))
    post = make_post(
        "Not yet",
        author=owner,
        status=status,
        publish_at=utcnow() + timedelta(days=1) if status == "scheduled" else None,
    )
    if viewer == "owner":
        login.as_user(owner)
    elif viewer != "anonymous":
        role = {"other_author": "author"}.get(viewer, viewer)
        login.as_user(make_user(viewer, roles=(role,)))
    response = client.get(f"/post/{post.slug}")
    assert response.status_code == (200 if visible else 404)
    home = client.get("/").get_data(as_text=True)
    assert "Not yet" not in home  # never listed, even for those who may open it


def test_tag_page_lists_the_tags_posts_and_normalises_its_name(client, make_post):
    make_post("Tagged", tags=["Web Dev"])
    make_post("Untagged")
    page = client.get("/tag/web-dev").get_data(as_text=True)
    assert "Tagged" in page and "Untagged" not in page and "/tag/web-dev/feed.atom" in page
    response = client.get("/tag/Web%20Dev")
    assert response.status_code == 301 and response.headers["Location"].endswith("/tag/web-dev")


def test_author_page_lists_their_published_posts_only(client, make_user, make_post):
    ada = make_user("ada", roles=("author",), display_name="Ada Lovelace")
    make_post("Ada's post", author=ada)
    make_post("Ada's draft", author=ada, status="draft")
    make_post("Someone else's post")
    page = client.get("/user/ADA").get_data(as_text=True)
    assert "Ada Lovelace" in page and "Ada&#39;s post" in page
    assert "draft" not in page and "Someone else" not in page


@pytest.mark.parametrize(
    "url", ["/post/no-such-post", "/tag/no-such-tag", "/user/nobody", "/tag/no-such-tag/feed.atom", "/?page=99"]
)
def test_unknown_things_are_404(client, make_post, url):
    make_post()
    response = client.get(url)
    assert response.status_code == 404
    assert b"There is nothing at this address" in response.data


def test_a_huge_page_number_is_404_not_500(client, make_post):
    make_post()
    assert client.get("/?page=99999999999999999999").status_code == 404


def test_a_too_large_request_gets_the_friendly_413_page(client, login, make_user):
    login.as_user(make_user(roles=("author",)))
    response = client.post("/post/new", data={"title": "Big", "body": "x" * (1024 * 1024 + 10)})
    assert response.status_code == 413
    assert b"too large" in response.data and b"<html" in response.data


def test_time_shows_relative_with_exact_time_on_hover(client, make_post):
    post = make_post("Timed", publish_at=utcnow() - timedelta(hours=3, minutes=5))
    page = client.get(f"/post/{post.slug}").get_data(as_text=True)
    assert "3 hours ago" in page
    assert f'title="{post.publish_at:%Y-%m-%d %H:%M} UTC"' in page


@pytest.mark.parametrize(
    "role, method, url, kwargs, code, text",
    [
        ("reader", "get", "/post/new", {}, 403, "You do not have permission to do that."),
        ("author", "post", "/post/preview", {"json": {"body": ["not", "text"]}}, 400, "must be a string"),
        (None, "get", "/post/nothing-here", {}, 404, "There is nothing at this address."),
    ],
)
def test_error_pages_are_friendly_and_in_the_layout(client, login, make_user, role, method, url, kwargs, code, text):
    if role:
        login.as_user(make_user(roles=(role,)))
    response = getattr(client, method)(url, **kwargs)
    page = response.get_data(as_text=True)
    assert response.status_code == code and text in page
    assert "site-header" in page and 'role="search"' in page and "Back to the home page" in page
