"""Turn outbox rows into e-mail and hand them to SMTP or to ``.eml`` files.

Flask-Mail builds the messages. Its SMTP connection sets no timeout, so a
stalled server would hold a worker forever; ``TimeoutConnection`` adds one.
"""

from __future__ import annotations

import os
import smtplib
import uuid
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
    context = dict(payload, base_url=current_app.config["BLOG_BASE_URL"],
                   blog_name=current_app.config["BLOG_NAME"], recipient=recipient)
    subject = " ".join(str(payload.get("subject", kind)).split())  # no header injection by newlines
    message = Message(
        subject=subject,
        recipients=[recipient],
        body=render_template(f"email/{kind}.txt", **context),
        html=render_template(f"email/{kind}.html", **context),
        sender=current_app.config["MAIL_DEFAULT_SENDER"],
        extra_headers=payload.get("headers") or None,
    )
    return message
