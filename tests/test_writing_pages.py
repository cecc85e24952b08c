"""Static pages: Markdown under /p/<slug>, ordered in the navigation, made by editors, never in feeds."""

import pytest

from blog.extensions import db
from blog.models import Page


def _form(**fields):
    values = {"title": "About", "slug": "", "body": "We *write*.", "in_nav": "y", "nav_order": "0"}
    values.update(fields)
    return {key: value for key, value in values.items() if value is not None}


def _pages(app):
    with app.app_context():
        return {p.slug: (p.title, p.in_nav, p.nav_order) for p in db.session.execute(db.select(Page)).scalars()}


def _nav(client):
    page = client.get("/").get_data(as_text=True)
    header = page.split('<header class="container site-header">')[1].split("</header>")[0]
    return [part.split('">')[1].split("</a>")[0] for part in header.split('<li><a href="/p/')[1:]]


@pytest.fixture
def editor(make_user, login):
    user = make_user("ed", roles=("editor",))
    login.as_user(user)
    return user


def test_an_editor_creates_a_page_that_renders_markdown(app, client, editor):
    response = client.post("/pages/new", data=_form(body="## Who\n\nWe *write*.\n\n```python\nx = 1\n```"))
    assert response.status_code == 302 and response.headers["Location"].endswith("/p/about")
    page = client.get("/p/about").get_data(as_text=True)
    assert "<h1>About</h1>" in page and "<em>write</em>" in page and '<h2 id="who">' in page
    assert '<span class="n">x</span>' in page
    assert _pages(app) == {"about": ("About", True, 0)}


def test_pages_show_in_the_navigation_in_their_order_for_everyone(app, client, editor, login):
    client.post("/pages/new", data=_form(title="Contact", nav_order="2"))
    client.post("/pages/new", data=_form(title="About", nav_order="1"))
    client.post("/pages/new", data=_form(title="Hidden", in_nav=None))
    assert _nav(client) == ["About", "Contact"]
    login.logout()
    assert _nav(client) == ["About", "Contact"]
    assert client.get("/p/hidden").status_code == 200


def test_editing_and_deleting_a_page_refreshes_the_cached_navigation(app, client, editor, login):
    client.post("/pages/new", data=_form())
    login.logout()
    assert _nav(client) == ["About"]
    assert client.get("/").headers["X-Cache"] == "hit"
    login.as_user(editor)
    with app.app_context():
        page_id = db.session.execute(db.select(Page.id)).scalar()
    client.post(f"/pages/{page_id}/edit", data=_form(title="About us", slug="about"))
    login.logout()
    assert _nav(client) == ["About us"]
    login.as_user(editor)
    client.post(f"/pages/{page_id}/delete")
    login.logout()
    assert _nav(client) == []
    assert client.get("/p/about").status_code == 404


@pytest.mark.parametrize("slug", ["admin", "auth", "static", "post", "archive", "p", "Search"])
def test_a_slug_that_would_shadow_a_route_is_a_form_error(app, client, editor, slug):
    response = client.post("/pages/new", data=_form(slug=slug))
    assert response.status_code == 200
    assert f"“{slug.lower()}” is an address of the site itself" in response.get_data(as_text=True)
    assert _pages(app) == {}


def test_a_slug_another_page_has_is_a_form_error(app, client, editor):
    client.post("/pages/new", data=_form())
    response = client.post("/pages/new", data=_form(title="About again", slug="about"))
    assert "The slug “about” is taken by another page: choose another." in response.get_data(as_text=True)
    assert list(_pages(app)) == ["about"]


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"title": ""}, "Give the page a title."),
        ({"body": ""}, "Write something on the page."),
        ({"nav_order": "5000"}, "Choose an order between -1000 and 1000."),
        ({"slug": "***", "title": "***"}, "A slug needs at least one letter or digit."),
    ],
)
def test_bad_page_input_gets_form_errors_and_stores_nothing(app, client, editor, fields, message):
    response = client.post("/pages/new", data=_form(**fields))
    assert response.status_code == 200 and message in response.get_data(as_text=True)
    assert _pages(app) == {}


@pytest.mark.parametrize("roles", [("author",), ("reader",)])
def test_only_editors_make_pages(app, client, make_user, login, roles):
    login.as_user(make_user(roles=roles))
    assert client.get("/pages/new").status_code == 403
    assert client.post("/pages/new", data=_form()).status_code == 403
    assert _pages(app) == {}


def test_pages_are_not_in_feeds_or_the_sitemap_posts(client, editor, make_post):
    make_post("A real post")
    client.post("/pages/new", data=_form(body="Page text here."))
    for url in ("/feed.atom", "/sitemap.xml", "/"):
        body = client.get(url).get_data(as_text=True)
        assert "Page text here." not in body and "/p/about</loc>" not in body


def test_an_unknown_page_is_a_404(client):
    assert client.get("/p/nothing").status_code == 404
