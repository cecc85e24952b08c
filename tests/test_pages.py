"""The pages the foundation serves: home, errors, static assets, health."""

from datetime import timedelta

from blog.models import utcnow


def test_home_shows_an_empty_state(client):
    response = client.get("/")
    assert response.status_code == 200
    assert b"Nothing published yet" in response.data


def test_home_lists_published_posts_only(client, make_post):
    make_post("Visible post", tags=["flask"])
    make_post("Secret draft", status="draft")
    make_post("Future post", status="scheduled", publish_at=utcnow() + timedelta(days=1))
    page = client.get("/").get_data(as_text=True)
    assert "Visible post" in page and "#flask" in page
    assert "Secret draft" not in page and "Future post" not in page


def test_page_numbers_out_of_range_are_404(client, make_post):
    make_post()
    assert client.get("/?page=2").status_code == 404
    assert client.get("/?page=0").status_code == 404
    assert client.get("/?page=abc").status_code == 200  # not a number: the first page


def test_unknown_page_is_a_friendly_404(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert b"There is nothing at this address" in response.data and b"<html" in response.data


def test_json_clients_get_json_errors(client):
    response = client.get("/no/such/page", headers={"Accept": "application/json"})
    assert response.status_code == 404 and response.is_json
    assert response.get_json()["status"] == 404


def test_static_urls_carry_a_content_hash_and_are_cached(app, client):
    page = client.get("/").get_data(as_text=True)
    assert "/static/css/blog.css?v=" in page
    url = page.split('href="/static/css/blog.css?v=')[1].split('"')[0]
    response = client.get(f"/static/css/blog.css?v={url}")
    assert response.status_code == 200
    assert response.cache_control.max_age == 365 * 24 * 3600


def test_health(client):
    assert client.get("/api/health").get_json() == {"status": "ok"}
