"""Post pages tell search engines and link previews what they are: description, canonical URL,
Open Graph, Twitter card and JSON-LD; the sitemap says when each post last changed."""

import json
import re
from html import unescape

from blog.extensions import db
from blog.models import Post

BASE = "http://blog.example"


def _meta(page: str, key: str) -> str | None:
    found = re.search(rf'<meta (?:name|property)="{re.escape(key)}" content="([^"]*)">', page)
    return unescape(found.group(1)) if found else None


def _json_ld(page: str) -> dict:
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    assert len(blocks) == 1, blocks
    return json.loads(blocks[0])


def _page(client, config_override, post) -> str:
    config_override(BLOG_BASE_URL=BASE)
    response = client.get(f"/post/{post.slug}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_a_post_page_has_description_canonical_open_graph_and_twitter_tags(
    app, client, config_override, make_post, make_user
):
    author = make_user("ann", roles=("author",), display_name="Ann Author")
    post = make_post(
        "Sharing well",
        author=author,
        tags=["web"],
        body="The first paragraph says it all.\n\n![A cat](https://img.example/cat.png)\n\n![Dog](/static/dog.png)",
    )
    page = _page(client, config_override, post)
    url = f"{BASE}/post/sharing-well"
    assert _meta(page, "description") == "The first paragraph says it all."
    assert f'<link rel="canonical" href="{url}">' in page
    assert _meta(page, "og:title") == _meta(page, "twitter:title") == "Sharing well"
    assert _meta(page, "og:url") == url and _meta(page, "og:type") == "article"
    assert _meta(page, "og:image") == _meta(page, "twitter:image") == "https://img.example/cat.png"
    assert _meta(page, "twitter:card") == "summary_large_image"
    assert _meta(page, "article:published_time") == post.publish_at.isoformat()
    assert _meta(page, "article:modified_time") == post.updated_at.isoformat()
    assert _meta(page, "article:author") == f"{BASE}/user/ann" and _meta(page, "author") == "Ann Author"
    assert _meta(page, "article:tag") == "web"
    assert 'name="robots"' not in page


def test_the_authors_summary_wins_and_a_post_without_images_gets_the_site_image(
    app, client, config_override, make_post
):
    post = make_post("Plain", body="Just words.")
    with app.app_context():
        db.session.get(Post, post.id).description = "Written for sharing."
        db.session.commit()
    page = _page(client, config_override, post)
    assert _meta(page, "description") == _meta(page, "og:description") == "Written for sharing."
    assert re.fullmatch(rf"{BASE}/static/img/share\.png(\?.*)?", _meta(page, "og:image"))
    assert client.get(_meta(page, "og:image")[len(BASE) :]).status_code == 200


def test_json_ld_describes_the_post_as_a_blog_posting(client, config_override, make_post, make_user):
    author = make_user("bo", roles=("author",))
    post = make_post("Structured", author=author, body="Intro text.", tags=["a", "b"])
    data = _json_ld(_page(client, config_override, post))
    assert data["@type"] == "BlogPosting" and data["@context"] == "https://schema.org"
    assert data["headline"] == "Structured" and data["description"] == "Intro text."
    assert data["url"] == data["mainEntityOfPage"] == f"{BASE}/post/structured"
    assert data["datePublished"] == post.publish_at.isoformat()
    assert data["author"] == {"@type": "Person", "name": "bo", "url": f"{BASE}/user/bo"}
    assert data["keywords"] == ["a", "b"]


def test_a_title_cannot_close_the_json_ld_script(client, config_override, make_post):
    title = "</script><script>alert(1)</script><!--"
    post = make_post(title, body="Text & more </script>")
    page = _page(client, config_override, post)
    block = page.split('<script type="application/ld+json">')[1].split("</script>")[0]
    assert "<" not in block and ">" not in block
    assert _json_ld(page)["headline"] == title
    assert "<script>alert(1)" not in page


def test_a_draft_seen_by_its_author_is_not_for_search_engines(client, config_override, login, make_post, make_user):
    author = make_user(roles=("author",))
    post = make_post("Unfinished", author=author, status="draft")
    login.as_user(author)
    assert '<meta name="robots" content="noindex">' in _page(client, config_override, post)


def test_the_sitemap_gives_each_post_its_last_change(client, make_post):
    post = make_post("Mapped")
    sitemap = client.get("/sitemap.xml").get_data(as_text=True)
    assert f"/post/mapped</loc><lastmod>{post.updated_at.isoformat(timespec='seconds')}</lastmod>" in sitemap
