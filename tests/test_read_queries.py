"""The list and post pages issue a fixed number of SQL queries, however much data there is (no N+1)."""

import pytest


def _queries_for(client, count_queries, url):
    with count_queries() as statements:
        response = client.get(url)
    assert response.status_code == 200, url
    return statements


@pytest.fixture
def no_page_cache(app):
    """Count what rendering costs: with the page cache on, a second request would issue one query."""
    app.config["PAGE_CACHE_ENABLED"] = False
    yield
    app.config["PAGE_CACHE_ENABLED"] = True


@pytest.fixture
def many_posts(make_user, make_post, make_comment):
    authors = [make_user(roles=("author",)) for _ in range(5)]
    posts = [
        make_post(f"Post {n}", author=authors[n % 5], tags=[f"tag{n % 7}", f"tag{n % 3}", "common"]) for n in range(25)
    ]
    for post in posts[:12]:
        make_comment(post)
        make_comment(post)
    return posts


def test_home_page_needs_at_most_four_queries(client, count_queries, many_posts, no_page_cache):
    statements = _queries_for(client, count_queries, "/")
    assert len(statements) <= 4, "\n\n".join(statements)
    # The sidebar is kept until the generation changes: later requests need one query fewer.
    assert len(_queries_for(client, count_queries, "/?page=2")) <= 3


def test_post_page_with_fifty_comments_needs_at_most_five_queries(
    client, count_queries, make_post, make_comment, make_user, no_page_cache
):
    post = make_post("Popular", tags=["a", "b", "c"])
    commenters = [make_user() for _ in range(10)]
    for n in range(50):
        make_comment(post, author=commenters[n % 10], body=f"Comment {n}")
    statements = _queries_for(client, count_queries, f"/post/{post.slug}")
    assert len(statements) <= 5, "\n\n".join(statements)
    assert client.get(f"/post/{post.slug}").get_data(as_text=True).count('class="comment"') == 50


@pytest.mark.parametrize("url", ["/tag/common", "/user/{author}", "/feed.atom", "/tag/common/feed.atom"])
def test_list_pages_need_the_same_number_of_queries_for_2_or_25_posts(
    client, count_queries, make_post, make_user, make_comment, no_page_cache, url
):
    author = make_user("prolific", roles=("author",))
    url = url.format(author=author.username)
    for n in range(2):
        make_comment(make_post(f"Early {n}", author=author, tags=["common", f"t{n}"]))
    few = len(_queries_for(client, count_queries, url))
    for n in range(23):
        make_comment(make_post(f"Later {n}", author=author, tags=["common", f"u{n}"]))
    many = len(_queries_for(client, count_queries, url))
    assert few == many <= 4


def test_a_cached_page_costs_one_query(client, count_queries, many_posts):
    client.get("/")
    statements = _queries_for(client, count_queries, "/")
    assert len(statements) == 1 and "cache_generations" in statements[0]
