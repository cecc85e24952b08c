"""``serve``: the production web server, gunicorn with the repository's ``gunicorn.conf.py``."""

from __future__ import annotations

import os
import sys

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import inspect

from blog.cli.group import NO_SCHEMA
from blog.extensions import db


def gunicorn_command(host: str, port: int, workers: int | None, threads: int | None) -> list[str]:
    """The gunicorn command line ``serve`` runs in its place."""
    root = os.path.dirname(current_app.root_path)
    command = [sys.executable, "-m", "gunicorn", "-c", os.path.join(root, "gunicorn.conf.py")]
    command += ["--bind", f"{host}:{port}", "--chdir", root]
    if workers:
        command += ["--workers", str(workers)]
    if threads:
        command += ["--threads", str(threads), "--worker-class", "gthread"]
    return [*command, "blog:create_app()"]


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", type=click.IntRange(min=1), help="Worker processes (default: 2 x cores + 1).")
@click.option("--threads", type=click.IntRange(min=1), help="Threads per worker; uses gthread workers.")
@with_appcontext
def serve_command(host: str, port: int, workers: int | None, threads: int | None) -> None:
    """Serve the blog with gunicorn (gunicorn.conf.py); start workers and one beat separately."""
    if not inspect(db.engine).has_table("alembic_version"):
        raise click.ClickException(NO_SCHEMA)
    db.engine.dispose()  # no connection may outlive the exec into gunicorn
    command = gunicorn_command(host, port, workers, threads)
    click.echo(f"serving on http://{host}:{port}/ with gunicorn (gunicorn.conf.py)", err=True)
    # exec, not a child: supervisord's and systemd's signals (TERM, HUP) reach gunicorn's arbiter itself.
    os.execv(command[0], command)  # noqa: S606 (the command is ours, with no shell)
