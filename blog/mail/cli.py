"""``manage.py mail-test``: send one message through the configured backend and show the server's answer."""

from __future__ import annotations

import smtplib
from typing import cast

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_mail import Message

from blog.mail.messages import build_message
from blog.mail.transport import FileConnection, mail_connection

TEST_KIND = "test"


@click.command("mail-test")
@click.option("--to", "recipient", required=True, help="Where to send the test message.")
@with_appcontext
def mail_test_command(recipient: str) -> None:
    """Send a test message through the configured backend now and print the server's answer."""
    from email_validator import EmailNotValidError, validate_email

    try:
        validate_email(recipient, check_deliverability=False)
    except EmailNotValidError as error:
        raise click.BadParameter(str(error), param_hint="--to") from None
    subject = f"Test message from {current_app.config['BLOG_NAME']}"
    message = build_message(TEST_KIND, recipient, {"subject": subject, "note": "Sent by manage.py mail-test."})
    try:
        with mail_connection() as connection:
            if isinstance(connection, FileConnection):
                connection.send(message)
                click.echo(f"written to {_where()}")
                return
            code, reply = _talk_smtp(connection.host, message, recipient)
    except click.ClickException:
        raise
    except Exception as error:
        raise click.ClickException(f"sending through {_where()} failed: {error!r}") from None
    click.echo(f"{_where()} answered: {code} {reply.decode(errors='replace')}")
    if code >= 400:
        raise SystemExit(1)


def _where() -> str:
    config = current_app.config
    if config["MAIL_BACKEND"] == "file":
        return str(config["MAIL_FILE_DIR"])
    return f"{config['MAIL_SERVER']}:{config['MAIL_PORT']}"


def _talk_smtp(host: smtplib.SMTP, message: Message, recipient: str) -> tuple[int, bytes]:
    """Send ``message`` step by step, so the operator sees the server's own answer to each."""
    host.ehlo_or_helo_if_needed()
    sender = cast(str, message.sender)  # build_message sets a string; Flask-Mail also allows (name, address)
    host.mail(sender if "<" not in sender else sender.split("<")[1].rstrip(">"))
    code, reply = host.rcpt(recipient)
    if code >= 400:
        raise click.ClickException(f"{_where()} refused {recipient}: {code} {reply.decode(errors='replace')}")
    return host.data(message.as_bytes())
