#!/usr/bin/env python
"""The blog's command line: ``python manage.py --help``."""

import os

import click
from flask.cli import routes_command, shell_command

from blog import create_app
from blog.cli.group import BlogGroup
from blog.cli.run import run_command


def _create_app():
    """The app for the command line: ``$BLOG_ENV``, or dev (with its debugging aids) on a developer's machine."""
    return create_app(os.environ.get("BLOG_ENV") or "dev")


@click.group(cls=BlogGroup, create_app=_create_app, add_default_commands=False)
def cli() -> None:
    """Manage the blog: run it, migrate its database, create admins, seed data."""


cli.add_command(run_command)
cli.add_command(shell_command)
cli.add_command(routes_command)

if __name__ == "__main__":
    cli()
