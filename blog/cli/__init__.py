"""The commands that concern the whole blog (``run``, ``create-admin``, ``seed``); areas add their own."""

from flask import Flask

from blog.cli.backup import backup_command, restore_command
from blog.cli.search import search_group
from blog.cli.seed import seed_command
from blog.cli.serve import serve_command
from blog.cli.users import create_admin_command


def init_app(app: Flask) -> None:
    """Add the blog-wide commands (``run`` is ``manage.py``'s own; areas add theirs in ``init_app``)."""
    app.cli.add_command(create_admin_command)
    app.cli.add_command(seed_command)
    app.cli.add_command(search_group)
    app.cli.add_command(serve_command)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
