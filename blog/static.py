"""Static files: precompressed ``.gz`` copies for clients that accept gzip.

``python manage.py compress-static`` writes ``name.gz`` next to each text asset
(at deploy time; the copies are not in git). The static view sends the copy,
with ``Content-Encoding: gzip``, when the client accepts gzip and the copy is
at least as new as the file; a stale or missing copy falls back to the file.
nginx does the same with ``gzip_static on`` (``deploy/nginx/blog.conf``).
"""

from __future__ import annotations

import gzip
import mimetypes
import os
import shutil

import click
from flask import Flask, current_app, request, send_from_directory
from flask.cli import with_appcontext
from werkzeug.security import safe_join

COMPRESSIBLE = (".css", ".js", ".svg", ".txt", ".json", ".xml", ".map")


def init_app(app: Flask) -> None:
    """Serve ``/static/`` through :func:`send_static` and add the ``compress-static`` command."""
    app.view_functions["static"] = send_static
    app.cli.add_command(compress_static_command)


def send_static(filename: str):
    """Send a static file, or its gzip copy when the client accepts it and the copy is fresh."""
    folder = current_app.static_folder
    if "gzip" in request.accept_encodings and _fresh_copy(folder, filename):
        response = send_from_directory(folder, filename + ".gz", mimetype=mimetypes.guess_type(filename)[0])
        response.headers["Content-Encoding"] = "gzip"
    else:
        response = send_from_directory(folder, filename)
    response.vary.add("Accept-Encoding")
    return response


def _fresh_copy(folder: str, filename: str) -> bool:
    path = safe_join(folder, filename)
    if path is None:  # outside the folder: send_from_directory answers the 404
        return False
    try:
        return os.stat(path + ".gz").st_mtime >= os.stat(path).st_mtime
    except (OSError, ValueError):
        return False


def compress_folder(folder: str) -> int:
    """Write a ``.gz`` copy of every compressible file under ``folder``; return how many."""
    count = 0
    for root, _dirs, files in os.walk(folder):
        for name in files:
            if name.endswith(COMPRESSIBLE):
                path = os.path.join(root, name)
                with open(path, "rb") as source, gzip.open(path + ".gz", "wb", compresslevel=9) as target:
                    shutil.copyfileobj(source, target)
                shutil.copystat(path, path + ".gz")
                count += 1
    return count


@click.command("compress-static")
@with_appcontext
def compress_static_command() -> None:
    """Write gzip copies of the static files (run at each deploy, after the code is in place)."""
    count = compress_folder(current_app.static_folder)
    click.echo(f"compressed {count} file(s) in {current_app.static_folder}")
