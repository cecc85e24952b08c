"""Static files: gzip copies for clients that accept them, the file itself for the others."""

from __future__ import annotations

import gzip
import os

import pytest


@pytest.fixture
def compressed(app):
    """Run ``compress-static`` on the real static folder; remove the copies afterwards."""
    result = app.test_cli_runner().invoke(args=["compress-static"])
    assert result.exit_code == 0 and "compressed" in result.output, result.output
    yield app.static_folder
    for root, _dirs, files in os.walk(app.static_folder):
        for name in files:
            if name.endswith(".gz"):
                os.remove(os.path.join(root, name))


def _original(app, name):
    with open(os.path.join(app.static_folder, name), "rb") as file:
        return file.read()


def test_gzip_copy_is_sent_to_clients_that_accept_it(client, app, compressed):
    response = client.get("/static/css/blog.css", headers={"Accept-Encoding": "gzip, br"})
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in response.headers["Vary"]
    assert response.mimetype == "text/css"
    assert gzip.decompress(response.data) == _original(app, "css/blog.css")


def test_plain_file_for_clients_without_gzip(client, app, compressed):
    response = client.get("/static/css/blog.css", headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in response.headers and response.data == _original(app, "css/blog.css")


def test_stale_copy_is_ignored(client, app, compressed):
    path = os.path.join(compressed, "js", "site.js")
    older = os.stat(path).st_mtime - 3600  # older than the file, however long ago it was checked out
    os.utime(path + ".gz", (older, older))
    response = client.get("/static/js/site.js", headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in response.headers and response.data == _original(app, "js/site.js")


def test_hashed_url_is_cached_for_a_year_compressed_or_not(client, compressed):
    response = client.get("/static/css/blog.css?v=abc", headers={"Accept-Encoding": "gzip"})
    assert response.headers["Content-Encoding"] == "gzip" and "max-age=31536000" in response.headers["Cache-Control"]
