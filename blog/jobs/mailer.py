"""Turn outbox rows into e-mail and hand them to SMTP or to ``.eml`` files.

Flask-Mail builds the messages. Its SMTP connection sets no timeout, so a
stalled server would hold a worker forever; ``TimeoutConnection`` adds one.
"""

from __future__ import annotations

import os
import smtplib
import uuid
from collections.abc import Callable
from contextlib import contextmanager

from flask import current_app, render_template
from flask_mail import Connection, Message


class TimeoutConnection(Connection):
    """A Flask-Mail connection whose socket gives up after ``MAIL_TIMEOUT`` seconds."""

    def configure_host(self):
        timeout = current_app.config["MAIL_TIMEOUT"]
        smtp_class = smtplib.SMTP_SSL if self.mail.use_ssl else smtplib.SMTP
        host = smtp_class(self.mail.server, self.mail.port, timeout=timeout)
        if self.mail.use_tls:
            host.starttls()
        if self.mail.username and self.mail.password:
            host.login(self.mail.username, self.mail.password)
        return host

    def __exit__(self, exc_type, exc_value, tb):
        # The mail is sent (or its failure recorded) by now: a server that
        # drops the connection during QUIT must not turn that into an error.
        if self.host is not None:
            try:
                self.host.quit()
            except (smtplib.SMTPException, OSError):
                self.host.close()


#: kind -> function(payload) returning extra template context loaded from the database.
_CONTEXT_LOADERS: dict[str, Callable[[dict], dict]] = {}


def context_loader(kind: str):
    """Register ``function(payload) -> dict`` that adds rows (looked up by id) to ``kind``'s templates."""

    def register(function):
        _CONTEXT_LOADERS[kind] = function
        return function

    return register


class FileConnection:
    """Writes each message as an ``.eml`` file, for running without a mail server."""

    def __init__(self, folder: str):
        self.folder = folder
        os.makedirs(folder, exist_ok=True)

    def send(self, message: Message) -> None:
        name = f"{message.date or ''}-{uuid.uuid4().hex}.eml".lstrip("-")
        path = os.path.join(self.folder, name)
        with open(path + ".tmp", "wb") as handle:
            handle.write(message.as_bytes())
        os.replace(path + ".tmp", path)  # readers never see half a message


@contextmanager
def mail_connection():
    """Open one connection to the configured backend for a batch of messages."""
    config = current_app.config
    if config["MAIL_BACKEND"] == "file":
        yield FileConnection(config["MAIL_FILE_DIR"])
        return
    connection = TimeoutConnection(current_app.extensions["mail"])
    with connection:
        yield connection


def build_message(kind: str, recipient: str, payload: dict) -> Message:
    """Render the ``email/<kind>`` templates with ``payload`` into a message for one recipient."""
    context = dict(
        payload,
        base_url=current_app.config["BLOG_BASE_URL"],
        blog_name=current_app.config["BLOG_NAME"],
        recipient=recipient,
    )
    if kind in _CONTEXT_LOADERS:
        context.update(_CONTEXT_LOADERS[kind](payload))
    subject = one_line(context.get("subject", kind))  # no header injection by newlines
    headers = {one_line(name): one_line(value) for name, value in (payload.get("headers") or {}).items()}
    message = Message(
        subject=subject,
        recipients=[recipient],
        body=render_template(f"email/{kind}.txt", **context),
        html=render_template(f"email/{kind}.html", **context),
        sender=current_app.config["MAIL_DEFAULT_SENDER"],
        extra_headers=headers or None,
    )
    return message


def absolute_url(endpoint: str, fallback_path: str, **values) -> str:
    """Return the absolute URL of ``endpoint`` under ``BLOG_BASE_URL`` (``fallback_path`` if not routed)."""
    from werkzeug.routing import BuildError

    try:
        path = current_app.url_map.bind("localhost").build(endpoint, values)
    except BuildError:
        path = fallback_path
    return current_app.config["BLOG_BASE_URL"] + path


def post_url(slug: str) -> str:
    """The absolute URL of the post at ``slug``."""
    return absolute_url("main.post", f"/posts/{slug}", slug=slug)


def one_line(value) -> str:
    """Return ``value`` as one line: CR, LF and other whitespace runs become one space."""
    return " ".join(str(value).split())
