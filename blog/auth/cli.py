"""``manage.py unlock``: lift the login rate limits of a user or an address."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from blog.auth.limits import unlock
from blog.models import User


@click.command("unlock")
@click.option("--user", "login", help="Username or e-mail of the locked-out user.")
@click.option("--address", help="IP address to unlock, as the blog sees it.")
@with_appcontext
def unlock_command(login: str | None, address: str | None) -> None:
    """Clear the login, registration and reset rate limits of a user or an address."""
    if not login and not address:
        raise click.UsageError("say whom to unlock: --user NAME_OR_EMAIL and/or --address IP")
    user = None
    if login:
        user = User.find_by_login(login)
        if user is None:
            raise click.ClickException(f"no user has the username or e-mail {login!r}")
    with current_app.test_request_context():
        unlock(user=user, address=address)
    if current_app.config["RATELIMIT_STORAGE_URI"].startswith("memory"):
        click.echo(
            "Note: rate limits are kept in each web process's memory (RATELIMIT_STORAGE_URI=memory://); "
            "restart the web server to clear them there, or configure Redis to share them."
        )
    click.echo(
        "Unlocked "
        + " and ".join(filter(None, [user and f"user {user.username!r}", address and f"address {address}"]))
        + "."
    )
