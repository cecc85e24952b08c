"""Turn an outbox row into an e-mail: its kind's templates, rendered with the payload and the kind's context."""

from __future__ import annotations

from typing import Any

from flask import current_app, render_template
from flask_mail import Message
from werkzeug.routing import BuildError

from blog.mail.kinds import get_kind


def build_message(kind_name: str, recipient: str, payload: dict[str, Any]) -> Message:
    """Render the ``email/<kind>`` templates with ``payload`` into a message for one recipient."""
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
    return Message(
        subject=subject,
        recipients=[recipient],
        body=render_template(f"email/{kind_name}.txt", **context),
        html=render_template(f"email/{kind_name}.html", **context),
        sender=current_app.config["MAIL_DEFAULT_SENDER"],
        extra_headers=headers or None,
    )


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


def one_line(value: object) -> str:
    """Return ``value`` as one line: CR, LF and other whitespace runs become one space."""
    return " ".join(str(value).split())
