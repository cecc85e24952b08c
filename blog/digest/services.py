"""Building and queueing the digest, and its signed one-click unsubscribe tokens."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from blog.extensions import db
from blog.mail.messages import absolute_url, post_url
from blog.mail.queue import queue_many
from blog.models import Post, User, utcnow

KIND = "digest"
PERIODS = {"daily": timedelta(days=1), "weekly": timedelta(weeks=1)}
_SALT = "digest-unsubscribe"


@dataclass
class DigestRun:
    """What one run of the digest did (or would do, in a dry run)."""

    posts: dict[str, int] = field(default_factory=dict)
    subscribers: dict[str, int] = field(default_factory=dict)
    queued: int = 0


def due_frequencies(now: datetime) -> list[str]:
    """The digests due on a run at ``now``: daily always, weekly on ``DIGEST_WEEKDAY``."""
    return ["daily", "weekly"] if now.weekday() == current_app.config["DIGEST_WEEKDAY"] else ["daily"]


def send_digest(frequencies: list[str] | None = None, now: datetime | None = None, dry_run: bool = False) -> DigestRun:
    """Queue the digest for every subscriber of ``frequencies``; a period without posts sends nothing.

    Keys (``digest:<frequency>:<user>:<date>``) make a second run on the same
    day harmless. The mail goes out in batches, each over one SMTP connection.
    """
    now = now or utcnow()
    run = DigestRun()
    messages: list[dict] = []
    for frequency in frequencies or due_frequencies(now):
        post_ids = _posts_of_period(frequency, now)
        subscribers = _subscribers(frequency) if post_ids else []
        run.posts[frequency], run.subscribers[frequency] = len(post_ids), len(subscribers)
        if not dry_run:
            messages += [_message(user, frequency, post_ids, now) for user in subscribers]
    if messages:
        run.queued = len(queue_many(db.session, messages, current_app.config["DIGEST_BATCH_SIZE"]))
    db.session.commit()
    return run


def _posts_of_period(frequency: str, now: datetime) -> list[int]:
    """The posts readers could first see in the period before ``now``, newest first."""
    query = (
        db.select(Post.id)
        .where(Post.visible_at(now), Post.publish_at > now - PERIODS[frequency])
        .order_by(Post.publish_at.desc())
    )
    return list(db.session.execute(query).scalars())


def _subscribers(frequency: str) -> list:
    query = db.select(User.id, User.email, User.display_name, User.username, User.mail_secret).where(
        User.digest == frequency, User.may_get_mail
    )
    return list(db.session.execute(query))


def _message(user, frequency: str, post_ids: list[int], now: datetime) -> dict:
    return {
        "key": f"digest:{frequency}:{user.id}:{now:%Y%m%d}",
        "kind": KIND,
        "recipient": user.email,
        "payload": _payload(user, frequency, post_ids),
    }


def _payload(user, frequency: str, post_ids: list[int]) -> dict:
    url = unsubscribe_url(user.id, user.mail_secret)
    return {
        "subject": f"Your {frequency} digest from {current_app.config['BLOG_NAME']}",
        "name": user.display_name or user.username,
        "frequency": frequency,
        "post_ids": post_ids,
        "unsubscribe_url": url,
        # RFC 8058: mail clients POST "List-Unsubscribe=One-Click" to the URL, without cookies.
        "headers": {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
    }


def unsubscribe_token(user_id: int, mail_secret: str) -> str:
    """A signed token naming the user and their mail secret's fingerprint.

    It does not expire (unsubscribe links must keep working), but rotating the user's
    ``mail_secret`` retires every link sent before.
    """
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=_SALT).dumps([user_id, _fingerprint(mail_secret)])


def _fingerprint(mail_secret: str) -> str:
    return hashlib.sha256(mail_secret.encode()).hexdigest()[:16]


def unsubscribe_url(user_id: int, mail_secret: str) -> str:
    token = unsubscribe_token(user_id, mail_secret)
    return absolute_url("digest.unsubscribe", f"/digest/unsubscribe/{token}", token=token)


def user_for_token(token: str) -> User | None:
    """The user a valid token names, or None for a forged or garbled token."""
    try:
        named = URLSafeSerializer(current_app.config["SECRET_KEY"], salt=_SALT).loads(token)
    except BadSignature:
        return None
    if not (isinstance(named, list) and len(named) == 2 and isinstance(named[0], int)):
        return None  # the first links named only the user: they cannot be retired, so they stop working
    user = db.session.get(User, named[0])
    return user if user is not None and hmac.compare_digest(_fingerprint(user.mail_secret), str(named[1])) else None


def masked_address(address: str) -> str:
    """``n***@example.org``: enough for the owner to recognise, little for whoever else holds the link."""
    local, _, domain = address.partition("@")
    return f"{local[:1]}***@{domain}"


def unsubscribe(user: User) -> None:
    """Stop the user's digest."""
    user.digest = "none"
    db.session.commit()


_posts_cache: dict[tuple[int, ...], list[dict]] = {}


def digest_context(payload: dict) -> dict:
    """The entries of the posts a digest lists."""
    # Thousands of digests list the same posts: render their entries once per worker process.
    ids = tuple(payload.get("post_ids", []))
    if ids not in _posts_cache:
        if len(_posts_cache) > 16:
            _posts_cache.clear()
        posts = db.session.execute(
            db.select(Post).where(Post.id.in_(ids), Post.visible_at(utcnow())).order_by(Post.publish_at.desc())
        ).scalars()
        _posts_cache[ids] = [
            {"title": p.title, "author": p.author.name, "url": post_url(p.slug), "summary": p.summary} for p in posts
        ]
    return {"posts": _posts_cache[ids]}
