#!/usr/bin/env python
"""The blog's command line: ``python manage.py --help``."""

import click
from flask.cli import routes_command, shell_command

from blog import create_app
from blog.cli.group import BlogGroup
from blog.cli.run import run_command


@click.group(cls=BlogGroup, create_app=create_app, add_default_commands=False)
def cli() -> None:
    """Manage the blog: run it, migrate its database, create admins, seed data."""


cli.add_command(run_command)
cli.add_command(shell_command)
cli.add_command(routes_command)

if __name__ == "__main__":
    cli()
