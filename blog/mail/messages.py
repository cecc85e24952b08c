"""Turn an outbox row into an e-mail: its kind's templates, rendered with the payload and the kind's context."""

from __future__ import annotations

import hashlib
import re
from typing import Any
from urllib.parse import urlsplit

from flask import current_app, render_template
from flask_mail import Message
from werkzeug.routing import BuildError

from blog.mail.kinds import get_kind

#: Runs of characters outside RFC 5322's dot-atom text (dots are separators, never doubled).
#: Things mail clients turn into links: URLs with a scheme, ``www.`` hosts, bare domains.
_LINK_LIKE = re.compile(r"(?i)\b(?:[a-z][a-z0-9+.-]*://\S+|www\.\S+|(?:[a-z0-9-]+\.)+[a-z]{2,}(?:/\S*)?)")
_NOT_ATEXT = re.compile(r"[^A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+")


def build_message(kind_name: str, recipient: str, payload: dict[str, Any], key: str | None = None) -> Message:
    """Render the kind's ``email/`` templates with ``payload`` into a message for one recipient.

    With the outbox ``key``, the message's ``Message-ID`` is derived from it, so a copy sent again
    (a worker killed between the server's 250 and the sent mark) carries the same id.
    """
    kind = get_kind(kind_name)
    context = dict(
        payload,
        base_url=current_app.config["BLOG_BASE_URL"],
        blog_name=current_app.config["BLOG_NAME"],
        recipient=recipient,
    )
    if kind.context is not None:
        context.update(kind.context(payload))
    subject = one_line(context.get("subject", kind_name))  # no header injection by newlines
    headers = {one_line(name): one_line(value) for name, value in (payload.get("headers") or {}).items()}
    message = Message(
        subject=subject,
        recipients=[recipient],
        body=render_template(f"email/{kind.template_name}.txt", **context),
        html=render_template(f"email/{kind.template_name}.html", **context),
        sender=current_app.config["MAIL_DEFAULT_SENDER"],
        extra_headers=headers or None,
    )
    if key is not None:
        message.msgId = stable_message_id(key)
    return message


def stable_message_id(key: str) -> str:
    """``<welcome.42@blog.example>``: the outbox key as a Message-ID in the site's domain.

    Characters a Message-ID may not hold become dots; when that loses information (an address in
    the key), a short hash of the key keeps two keys from sharing an id.
    """
    local = _NOT_ATEXT.sub(".", key).strip(".")
    if local != key.replace(":", "."):
        local += "." + hashlib.sha256(key.encode()).hexdigest()[:10]
    domain = urlsplit(current_app.config["BLOG_BASE_URL"]).hostname or "localhost"
    return f"<{local}@{domain}>"


def absolute_url(endpoint: str, fallback_path: str, **values: Any) -> str:
    """Return the absolute URL of ``endpoint`` under ``BLOG_BASE_URL`` (``fallback_path`` if not routed)."""
    try:
        path = current_app.url_map.bind("localhost").build(endpoint, values)
    except BuildError:
        path = fallback_path
    return str(current_app.config["BLOG_BASE_URL"]) + path


def post_url(slug: str) -> str:
    """The absolute URL of the post at ``slug``."""
    return absolute_url("main.post", f"/posts/{slug}", slug=slug)


def defang(text: object) -> str:
    """Text a user wrote, shown in mail so no client makes a link of it: ``hxxps://example[.]org``.

    A reminder's note goes to an address by the writer's choice; a clickable link in it would
    make the blog's own mail a carrier for whatever the writer points at.
    """
    return _LINK_LIKE.sub(lambda found: found.group(0).replace("http", "hxxp").replace(".", "[.]"), str(text))


def one_line(value: object) -> str:
    """Return ``value`` as one line: CR, LF and other whitespace runs become one space."""
    return " ".join(str(value).split())
