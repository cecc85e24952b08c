"""Following authors and telling followers about new posts, batched to one mail per reader and hour."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from blog.extensions import db
from blog.jobs import heartbeats
from blog.mail.kinds import DoNotSend
from blog.mail.messages import one_line, post_url
from blog.mail.queue import queue_mail
from blog.models import AuthorFollow, Comment, CommentStatus, OutboxMessage, OutboxStatus, Post, User, utcnow

#: Posts published this long ago are still looked at, so that a post published
#: (by the scheduled-publishing sweep) just after a run is not missed.
LOOKBACK = timedelta(hours=1)
FOLLOW_HEARTBEAT = "notify_followers"
FOLLOW_KIND = "follow"


def follow(reader: User, author_id: int) -> bool:
    """Make ``reader`` follow the author ``author_id``; return False if they already did."""
    if author_id == reader.id or db.session.get(User, author_id) is None:
        raise LookupError("no such author")
    if db.session.get(AuthorFollow, (reader.id, author_id)):
        return False
    db.session.add(AuthorFollow(follower_id=reader.id, author_id=author_id))
    try:
        db.session.commit()
    except IntegrityError:  # a double click
        db.session.rollback()
        return False
    return True


def is_following(reader: User, author_id: int) -> bool:
    """Whether ``reader`` follows the author ``author_id``."""
    return db.session.get(AuthorFollow, (reader.id, author_id)) is not None


def unfollow(reader: User, author_id: int) -> bool:
    """Stop ``reader`` following ``author_id``; return False if they did not."""
    follow_row = db.session.get(AuthorFollow, (reader.id, author_id))
    if follow_row is None:
        return False
    db.session.delete(follow_row)
    db.session.commit()
    return True


def notify_followers(now: datetime | None = None) -> int:
    """Queue "new posts from authors you follow" mail for posts published since the last run.

    Each reader gets at most one mail per clock hour (key ``follow:<reader>:<hour>``):
    posts found while this hour's mail is already out wait for the next hour's.
    Returns how many readers got posts added.
    """
    now = now or utcnow()
    heartbeat = heartbeats.last_run(FOLLOW_HEARTBEAT)
    done = set(json.loads(heartbeat.detail)) if heartbeat and heartbeat.detail else set()
    posts = db.session.execute(
        db.select(Post.id, Post.author_id, Post.publish_at).where(
            Post.visible_at(now), Post.publish_at > now - LOOKBACK
        )
    ).all()
    new = [post for post in posts if post.id not in done]
    by_reader: dict[int, list[int]] = defaultdict(list)
    if new:
        followers = db.session.execute(
            db.select(AuthorFollow.follower_id, AuthorFollow.author_id).where(
                AuthorFollow.author_id.in_({post.author_id for post in new})
            )
        ).all()
        for post in new:
            for follower_id, author_id in followers:
                if author_id == post.author_id:
                    by_reader[follower_id].append(post.id)
    for reader_id, post_ids in by_reader.items():
        _add_to_hourly_mail(reader_id, post_ids, now)
    db.session.commit()
    heartbeats.record_heartbeat(FOLLOW_HEARTBEAT, json.dumps(sorted(post.id for post in posts)))
    return len(by_reader)


def _add_to_hourly_mail(reader_id: int, post_ids: list[int], now: datetime) -> None:
    """Add posts to the reader's not-yet-sent mail of this hour, or of the next hour if this one is out."""
    reader = db.session.get(User, reader_id)
    if not reader.may_get_mail:
        return  # inactive, or an unconfirmed address that may belong to someone else
    this_hour = now.replace(minute=0, second=0, microsecond=0)
    # A later hour's mail is not due yet, so no worker can have touched it; the third is a safety net.
    for start in (this_hour + timedelta(hours=n) for n in range(3)):
        key = f"follow:{reader_id}:{start:%Y%m%d%H}"
        payload = {"subject": "New posts from authors you follow", "name": reader.name, "post_ids": post_ids}
        if (
            queue_mail(
                db.session, key=key, kind=FOLLOW_KIND, recipient=reader.email, payload=payload, due_at=max(start, now)
            )
            is not None
        ):
            return
        existing = db.session.execute(db.select(OutboxMessage.payload).filter_by(key=key)).scalar_one()
        merged = dict(existing, post_ids=sorted(set(existing.get("post_ids", [])) | set(post_ids)))
        # Only a row that no worker has touched yet may grow; else the posts go to the next hour.
        grown = db.session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.key == key,
                OutboxMessage.status == OutboxStatus.PENDING,
                OutboxMessage.attempts == 0,
                OutboxMessage.locked_until.is_(None),
            )
            .values(payload=merged)
        ).rowcount
        if grown:
            return


def _post_entry(post: Post) -> dict:
    return {"title": post.title, "author": post.author.name, "url": post_url(post.slug), "summary": post.summary}


def follow_context(payload: dict) -> dict:
    """The posts a follower mail lists, as they are when it is sent (unpublished ones left out)."""
    posts = db.session.execute(
        db.select(Post)
        .where(Post.id.in_(payload.get("post_ids", [])), Post.visible_at(utcnow()))
        .order_by(Post.publish_at)
    ).scalars()
    return {"posts": [_post_entry(post) for post in posts]}


def comment_context(payload: dict) -> dict:
    """The comments a notice lists (those still visible), with their post; none left: the notice is not sent."""
    comments = list(
        db.session.execute(
            db.select(Comment)
            .where(Comment.id.in_(payload.get("comment_ids", [])), Comment.status == CommentStatus.VISIBLE)
            .order_by(Comment.created_at)
        ).scalars()
    )
    if not comments:
        raise DoNotSend("the comments were removed before the notice went out")
    post = comments[0].post
    many = len(comments) > 1
    return {
        "subject": one_line(
            f'{len(comments)} new comments on "{post.title}"' if many else f'New comment on "{post.title}"'
        ),
        "post_title": post.title,
        "comments": [
            {
                "commenter": comment.author.name,
                "excerpt": (comment.body[:500] + "…") if len(comment.body) > 500 else comment.body,
                "url": post_url(post.slug) + f"#comment-{comment.id}",
            }
            for comment in comments
        ],
    }
