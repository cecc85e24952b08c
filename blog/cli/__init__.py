"""The commands that concern the whole blog (``run``, ``create-admin``, ``seed``); areas add their own."""

from flask import Flask

from blog.cli.seed import seed_command
from blog.cli.users import create_admin_command


def init_app(app: Flask) -> None:
    """Add ``create-admin`` and ``seed`` (``run`` is ``manage.py``'s own)."""
    app.cli.add_command(create_admin_command)
    app.cli.add_command(seed_command)
