"""Where mail goes: an SMTP server (with timeouts) or ``.eml`` files in a folder.

Flask-Mail's SMTP connection sets no timeout, so a stalled server would hold a
worker forever; ``TimeoutConnection`` adds one.
"""

from __future__ import annotations

import contextlib
import os
import smtplib
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol

from flask import current_app
from flask_mail import Connection, Message


class MailConnection(Protocol):
    def send(self, message: Message) -> Any: ...


class TimeoutConnection(Connection):
    """A Flask-Mail connection whose socket gives up after ``MAIL_TIMEOUT`` seconds."""

    def configure_host(self) -> smtplib.SMTP:
        timeout = current_app.config["MAIL_TIMEOUT"]
        smtp_class = smtplib.SMTP_SSL if self.mail.use_ssl else smtplib.SMTP
        host = smtp_class(self.mail.server, self.mail.port, timeout=timeout)
        if self.mail.use_tls:
            host.starttls()
        if self.mail.username and self.mail.password:
            host.login(self.mail.username, self.mail.password)
        return host

    def __exit__(self, exc_type: object, exc_value: object, tb: object) -> None:
        # The mail is sent (or its failure recorded) by now: a server that
        # drops the connection during QUIT must not turn that into an error.
        if self.host is not None:
            try:
                self.host.quit()
            except (smtplib.SMTPException, OSError):
                self.host.close()


class FileConnection:
    """Writes each message as an ``.eml`` file, for running without a mail server."""

    def __init__(self, folder: str):
        self.folder = folder
        os.makedirs(folder, exist_ok=True)

    def send(self, message: Message) -> None:
        name = f"{message.date or ''}-{uuid.uuid4().hex}.eml".lstrip("-")
        path = os.path.join(self.folder, name)
        try:
            with open(path + ".tmp", "wb") as handle:
                handle.write(message.as_bytes())
            os.replace(path + ".tmp", path)  # readers never see half a message
        except OSError:
            # A full disk (or a folder gone) leaves no half-written file; the row keeps the error and retries.
            with contextlib.suppress(OSError):
                os.remove(path + ".tmp")
            raise


@contextmanager
def mail_connection() -> Iterator[Any]:
    """Open one connection to the configured backend for a batch of messages."""
    config = current_app.config
    if config["MAIL_BACKEND"] == "file":
        yield FileConnection(config["MAIL_FILE_DIR"])
        return
    connection = TimeoutConnection(current_app.extensions["mail"])
    with connection:
        yield connection
