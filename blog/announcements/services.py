"""Announcements: one message to many recipients through the outbox, in batches, with progress."""

from __future__ import annotations

from flask import current_app

from blog.extensions import db
from blog.mail.messages import one_line
from blog.mail.overview import outbox_counts
from blog.mail.queue import queue_many
from blog.markdown import render_plain
from blog.models import Announcement, OutboxStatus, Role, User
from blog.models.user import ROLE_NAMES

KIND = "announcement"
AUDIENCES = {"subscribers": "Digest subscribers", **{f"role:{name}": f"Every {name}" for name in ROLE_NAMES}}


def _audience(audience: str) -> list[tuple[str, str]]:
    """``(email, name)`` of the active users in ``audience``."""
    query = db.select(User).where(User.may_get_mail)
    if audience == "subscribers":
        query = query.where(User.digest != "none")
    elif audience.startswith("role:") and audience[5:] in ROLE_NAMES:
        query = query.join(User.roles).where(Role.name == audience[5:])
    else:
        raise ValueError(f"unknown audience {audience!r}; choose one of {', '.join(AUDIENCES)}")
    return [(user.email, user.name) for user in db.session.execute(query).scalars()]


def _named(recipients: list[str]) -> list[tuple[str, str]]:
    """``(email, name)`` for explicit addresses, with the name of the user who has it, if any."""
    addresses = list(dict.fromkeys(a.strip().lower() for a in recipients))
    users = db.session.execute(db.select(User).where(User.email.in_(addresses))).scalars()
    names = {user.email: user.name for user in users}
    return [(address, names.get(address, "")) for address in addresses]


def announce(
    subject: str,
    body: str,
    *,
    audience: str = "subscribers",
    sender: User | None = None,
    recipients: list[str] | None = None,
) -> Announcement:
    """Queue ``subject``/``body`` (Markdown) to ``audience`` or to explicit ``recipients``; return its record."""
    targets = _named(recipients) if recipients is not None else _audience(audience)
    announcement = Announcement(
        subject=one_line(subject)[:200],
        body=body,
        audience="api" if recipients is not None else audience,
        created_by_id=sender.id if sender else None,
        total=len(targets),
    )
    db.session.add(announcement)
    db.session.flush()
    queue_many(
        db.session,
        [
            {
                "key": f"announcement:{announcement.id}:{address}",
                "kind": KIND,
                "recipient": address,
                "batch_id": announcement.id,
                "payload": {"subject": announcement.subject, "name": name, "announcement_id": announcement.id},
            }
            for address, name in targets
        ],
        current_app.config["DIGEST_BATCH_SIZE"],
    )
    db.session.commit()
    return announcement


def progress(announcement: Announcement) -> dict:
    """The announcement's delivery so far, for the admin page and ``/api/tasks/<id>``."""
    counts = outbox_counts(announcement.id)
    done = announcement.total - counts[OutboxStatus.PENDING]
    if counts[OutboxStatus.PENDING] == 0:
        state = "done" if counts[OutboxStatus.FAILED] == 0 else "done with failures"
    else:
        state = "queued" if done == 0 else "sending"
    return {
        "id": announcement.id,
        "subject": announcement.subject,
        "state": state,
        "total": announcement.total,
        "counts": counts,
        "percent": round(100 * done / announcement.total) if announcement.total else 100,
    }


_bodies: dict[int, dict] = {}


def announcement_context(payload: dict) -> dict:
    """The announcement's text and HTML, for its mail (the payload names only its id)."""
    announcement_id = payload.get("announcement_id")
    if announcement_id not in _bodies:  # rendered once per worker process, not once per recipient
        if len(_bodies) > 16:
            _bodies.clear()
        announcement = db.session.get(Announcement, announcement_id)
        _bodies[announcement_id] = {"body_text": announcement.body, "body_html": render_plain(announcement.body)}
    return _bodies[announcement_id]
