"""Full-text search: ranked, highlighted, safe, friendly with bad syntax, and fed by bulk inserts too."""

import pytest
from sqlalchemy import insert

from blog.extensions import db
from blog.models import Post, utcnow


def _titles(page: str) -> list[str]:
    hits = page.split('<article class="post-summary search-hit">')[1:]
    return [hit.split("<a ", 1)[1].split(">", 1)[1].split("<", 1)[0] for hit in hits]


def test_search_ranks_title_matches_first_and_highlights_the_snippet(client, make_post):
    make_post("Cooking pasta", body="Water, salt and a word about celery soup.")
    make_post("Celery in production", body="Workers, queues and celery beat.")
    make_post("Unrelated", body="Nothing to see.")
    page = client.get("/search?q=celery").get_data(as_text=True)
    assert _titles(page) == ["Celery in production", "Cooking pasta"]
    assert "<mark>celery</mark>" in page.lower()


def test_search_finds_only_published_posts(client, make_post):
    make_post("Public zebra")
    make_post("Draft zebra", status="draft")
    page = client.get("/search?q=zebra").get_data(as_text=True)
    assert _titles(page) == ["Public zebra"]


def test_search_snippets_are_escaped(client, make_post):
    make_post("Markup", body="Fish & chips, then `<script>alert(1)</script>` sits near needle here.")
    page = client.get("/search?q=needle").get_data(as_text=True)
    snippet = page.split('class="snippet">')[1].split("</p>")[0]
    assert "<script" not in snippet and "&amp; chips" in snippet and "<mark>needle</mark>" in snippet


@pytest.mark.parametrize("query", ['"unbalanced', "AND OR NOT", "title:foo:bar", "a AND (b", "NEAR(", "*", "-x"])
def test_bad_syntax_gives_a_friendly_message_not_a_500(client, make_post, query):
    make_post("Unbalanced quotes in practice")
    response = client.get("/search", query_string={"q": query})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Search" in page and "Something went wrong" not in page


def test_bad_syntax_on_sqlite_falls_back_to_the_words(app, client, make_post):
    make_post("Unbalanced quotes in practice")
    page = client.get("/search", query_string={"q": '"unbalanced quotes'}).get_data(as_text=True)
    assert _titles(page) == ["Unbalanced quotes in practice"]
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            assert "could not understand that search" in page


def test_an_overlong_query_is_refused_politely(client):
    page = client.get("/search", query_string={"q": "x" * 500}).get_data(as_text=True)
    assert "limited to 200 characters" in page


def test_posts_inserted_in_bulk_are_searchable(app, client, make_user):
    author = make_user(roles=("author",))
    now = utcnow()
    with app.app_context():
        db.session.execute(
            insert(Post),
            [
                dict(
                    title=f"Bulk {n}",
                    slug=f"bulk-{n}",
                    body=f"quokka number {n}",
                    body_html="",
                    summary="",
                    status="published",
                    publish_at=now,
                    created_at=now,
                    updated_at=now,
                    author_id=author.id,
                )
                for n in range(3)
            ],
        )
        db.session.commit()
    page = client.get("/search?q=quokka").get_data(as_text=True)
    assert sorted(_titles(page)) == ["Bulk 0", "Bulk 1", "Bulk 2"]


def test_edited_and_deleted_posts_leave_the_index(client, login, make_user, make_post):
    author = make_user(roles=("author",))
    post = make_post("Old wombat", author=author)
    login.as_user(author)
    client.post(f"/post/{post.slug}/edit", data={"title": "New koala", "body": "b", "tags": "", "status": "published"})
    assert _titles(client.get("/search?q=wombat").get_data(as_text=True)) == []
    assert _titles(client.get("/search?q=koala").get_data(as_text=True)) == ["New koala"]
    client.post("/post/new-koala/delete")
    assert _titles(client.get("/search?q=koala").get_data(as_text=True)) == []


def test_search_pages_through_results(client, make_post):
    for n in range(12):
        make_post(f"Platypus {n}")
    first = client.get("/search?q=platypus").get_data(as_text=True)
    second = client.get("/search?q=platypus&page=2").get_data(as_text=True)
    assert len(_titles(first)) == 10 and len(_titles(second)) == 2
    assert 'rel="next"' in first
