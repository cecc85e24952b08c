"""``create-admin``: make the first administrator without a browser."""

from __future__ import annotations

import click
from email_validator import EmailNotValidError, validate_email
from flask.cli import with_appcontext

from blog.auth.passwords import password_problem
from blog.auth.services import register_user
from blog.models import Role, User


def create_user(username: str, email: str, password: str, roles: tuple[str, ...]) -> User:
    """Validate and create a user with ``roles``; raise ``click.ClickException`` on bad input."""
    username = username.strip()
    if not username or len(username) > 64:
        raise click.ClickException("the username must be 1 to 64 characters long")
    try:
        email = validate_email(email, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise click.ClickException(f"invalid e-mail address: {exc}") from None
    if problem := password_problem(password, username=username, email=email):
        raise click.ClickException(f"the password is refused: {problem}")
    if User.username_taken(username):
        raise click.ClickException(f"the username {username!r} is taken")
    if User.email_taken(email):
        raise click.ClickException(f"a user with the e-mail {email!r} exists")
    Role.ensure_defaults()
    # The operator vouches for the address: an admin who could not comment would be absurd.
    return register_user(username, email, password, roles, verified=True)


@click.command("create-admin")
@with_appcontext
@click.option("--username", prompt=True, help="Login name of the new admin.")
@click.option("--email", prompt=True, help="E-mail address of the new admin.")
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="The same policy as registration (at least 10 characters, not a common one); prompted for when omitted.",
)
def create_admin_command(username: str, email: str, password: str) -> None:
    """Create an administrator (prompts for what the flags leave out)."""
    user = create_user(username, email, password, ("admin", "editor", "author", "reader"))
    click.echo(f"Created admin {user.username!r} <{user.email}>; log in at /auth/login.")
