"""Read-side queries for the public pages, each a fixed number of SQL statements.

Whatever the number of posts, comments and tags: a list of posts is one query
(authors joined, comment counts as a correlated subquery) plus one for the
posts' tags; the sidebar is one more, which the home page renders once per
generation of the page cache (counting tags over 100,000 posts is the one
thing here that grows with the data).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cache

from sqlalchemy import bindparam, func, literal, select, union_all
from sqlalchemy.orm import joinedload, lazyload, selectinload

from blog.extensions import db
from blog.models import Comment, CommentStatus, Post, SlugRedirect, Tag, User, UTCDateTime, post_tags, utcnow
from blog.models.content import PINNED_MAX

PAGE_SIZE = 10
FEED_SIZE = 20
SITEMAP_MAX = 50_000  # the sitemap protocol's limit per file
SIDEBAR_POSTS = 5
SIDEBAR_TAGS = 12
# Authors come joined to their posts; their roles (selectin by default) are not needed to show a name.
_AUTHOR = joinedload(Post.author).lazyload(User.roles)


@dataclass(slots=True)
class PostCard:
    """What a list of posts shows of one post: plain values, read without the ORM's bookkeeping."""

    id: int
    slug: str
    title: str
    summary: str
    publish_at: datetime
    author_username: str
    author_name: str
    comments: int
    reading_minutes: int
    pinned: bool = False
    tags: list[str] = field(default_factory=list)


@dataclass
class PostPage:
    posts: list[PostCard]
    page: int
    has_next: bool


@dataclass
class Sidebar:
    recent: list[tuple[str, str]] = field(default_factory=list)  # (slug, title)
    top_tags: list[tuple[str, int]] = field(default_factory=list)  # (name, published posts)


@dataclass(slots=True)
class CommentRow:
    """What the post page shows of a comment: plain values."""

    id: int
    body_html: str
    created_at: datetime
    author_name: str


@dataclass
class PostWithComments:
    post: Post
    comments: list[CommentRow]


def is_published():
    """The condition every post a reader may see meets."""
    return Post.visible_at(utcnow())


def published_posts():
    """A select of the posts every reader may see."""
    return db.select(Post).where(is_published())


def _visible_comment_count():
    return (
        select(func.count(Comment.id))
        .where(Comment.post_id == Post.id, Comment.status == CommentStatus.VISIBLE)
        .correlate(Post)
        .scalar_subquery()
    )


# Lists of posts differ only in one condition; their statements are built once and run with
# parameters, since building a SQLAlchemy statement costs more than SQLite takes to run it.
_LIST_CONDITIONS = {
    "home": lambda query: query,
    "tag": lambda query: query.join(post_tags, post_tags.c.post_id == Post.id).where(
        post_tags.c.tag_id == bindparam("tag_id")
    ),
    "author": lambda query: query.where(Post.author_id == bindparam("author_id")),
    # A month of the archive: a range of ix_posts_status_publish_at.
    "month": lambda query: query.where(
        Post.publish_at >= bindparam("start", type_=UTCDateTime()),
        Post.publish_at < bindparam("end", type_=UTCDateTime()),
    ),
}
_TAGS_OF_POSTS = (
    select(post_tags.c.post_id, Tag.name)
    .join(Tag, Tag.id == post_tags.c.tag_id)
    .where(post_tags.c.post_id.in_(bindparam("ids", expanding=True)))
    .order_by(Tag.name)
)


def _list_query(kind: str):
    query = (
        select(
            Post.id,
            Post.slug,
            Post.title,
            Post.summary,
            Post.publish_at,
            User.username,
            User.display_name,
            _visible_comment_count().label("comments"),
            Post.reading_minutes,
            Post.pinned_at,
        )
        .join(User, User.id == Post.author_id)
        .where(Post.visible_at(bindparam("now", type_=UTCDateTime())))
    )
    return _LIST_CONDITIONS[kind](query)


def _newest_first(query):
    return query.order_by(Post.publish_at.desc(), Post.id.desc()).offset(bindparam("offset")).limit(bindparam("limit"))


@cache
def _list_statement(kind: str):
    if kind != "home":
        return _newest_first(_list_query(kind))
    # The home page: up to ``pins`` pinned posts, then the others newest first, in one statement.
    # The pins are picked by their own index first: filtering the published posts for a pin would
    # count the comments of every published post before the few pins are found (200 ms at 100,000).
    pin_ids = (
        select(Post.id).where(Post.pinned_at.is_not(None)).order_by(Post.pinned_at.desc()).limit(bindparam("pins"))
    )
    pinned = _list_query(kind).where(Post.id.in_(pin_ids)).order_by(Post.pinned_at.desc())
    others = _newest_first(_list_query(kind).where(Post.pinned_at.is_(None)))
    both = union_all(select(pinned.limit(bindparam("pins")).subquery()), select(others.subquery())).subquery()
    return select(both).order_by(
        both.c.pinned_at.is_(None), both.c.pinned_at.desc(), both.c.publish_at.desc(), both.c.id.desc()
    )


def list_posts(kind: str, page: int, size: int = PAGE_SIZE, **params) -> PostPage:
    """Page ``page`` of published posts (all, or a tag's, or an author's), newest first; the home
    page's first page starts with the pinned posts.

    Two queries whatever the page holds: the posts joined to their authors with a
    correlated comment count, then the tags of those posts.
    """
    connection = db.session.connection()
    pins = PINNED_MAX if kind == "home" and page == 1 else 0
    values = dict(params, now=utcnow(), offset=(page - 1) * size, limit=size + 1, pins=pins)
    rows = connection.execute(_list_statement(kind), values).all()
    pinned = [row for row in rows if row[-1] is not None and kind == "home"]
    others = [row for row in rows if row[-1] is None or kind != "home"]
    cards = [
        PostCard(
            id_,
            slug,
            title,
            summary,
            publish_at,
            username,
            display_name or username,
            count,
            minutes,
            pin is not None and pins > 0,
        )
        for id_, slug, title, summary, publish_at, username, display_name, count, minutes, pin in [
            *pinned,
            *others[:size],
        ]
    ]
    if cards:
        by_id = {card.id: card for card in cards}
        for post_id, name in connection.execute(_TAGS_OF_POSTS, {"ids": list(by_id)}):
            by_id[post_id].tags.append(name)
    return PostPage(cards, page, len(others) > size)


def home_page(page: int = 1) -> PostPage:
    """The home page's posts with their authors, tags and comment counts."""
    return list_posts("home", page)


def tag_page(tag: Tag, page: int = 1) -> PostPage:
    return list_posts("tag", page, tag_id=tag.id)


def author_page(author: User, page: int = 1) -> PostPage:
    return list_posts("author", page, author_id=author.id)


def post_with_comments(slug: str) -> PostWithComments | None:
    """The post at ``slug`` (any status) with its author, tags and visible comments oldest first."""
    post = db.session.execute(
        db.select(Post).where(Post.slug == slug).options(_AUTHOR, selectinload(Post.tags))
    ).scalar_one_or_none()
    if post is None:
        return None
    rows = db.session.connection().execute(_COMMENTS_OF_POST, {"post_id": post.id})
    comments = [
        CommentRow(id_, html, created_at, display_name or username)
        for id_, html, created_at, username, display_name in rows
    ]
    return PostWithComments(post, comments)


_COMMENTS_OF_POST = (
    select(Comment.id, Comment.body_html, Comment.created_at, User.username, User.display_name)
    .join(User, User.id == Comment.author_id)
    .where(Comment.post_id == bindparam("post_id"), Comment.status == CommentStatus.VISIBLE)
    .order_by(Comment.created_at, Comment.id)
)


def _has_published_post():
    """The condition on ``Tag``: some post readers may see carries it (a draft-only tag is unknown to them)."""
    return (
        select(post_tags.c.post_id)
        .join(Post, Post.id == post_tags.c.post_id)
        .where(post_tags.c.tag_id == Tag.id, is_published())
        .exists()
    )


def tag_named(name: str) -> Tag | None:
    """The tag ``name`` if a published post carries it, else None."""
    return db.session.execute(db.select(Tag).where(Tag.name == name, _has_published_post())).scalar_one_or_none()


def author_named(username: str) -> User | None:
    return db.session.execute(
        db.select(User).where(func.lower(User.username) == username.strip().lower()).options(lazyload(User.roles))
    ).scalar_one_or_none()


def sidebar() -> Sidebar:
    """The five most recent posts and the top tags by published posts, in one query."""
    # Both lists in one round trip: UNION ALL of two limited sub-selects.
    recent = (
        select(literal("post").label("kind"), Post.slug.label("key"), Post.title.label("label"), literal(0).label("n"))
        .where(is_published())
        .order_by(Post.publish_at.desc(), Post.id.desc())
        .limit(SIDEBAR_POSTS)
        .subquery()
    )
    count = func.count(Post.id)
    tags = (
        select(literal("tag").label("kind"), Tag.name.label("key"), Tag.name.label("label"), count.label("n"))
        .join(post_tags, post_tags.c.tag_id == Tag.id)
        .join(Post, Post.id == post_tags.c.post_id)
        .where(is_published())
        .group_by(Tag.id, Tag.name)
        .order_by(count.desc(), Tag.name)
        .limit(SIDEBAR_TAGS)
        .subquery()
    )
    result = Sidebar()
    for kind, key, label, n in db.session.execute(union_all(select(recent), select(tags))):
        if kind == "post":
            result.recent.append((key, label))
        else:
            result.top_tags.append((key, n))
    return result


def feed_posts(tag: Tag | None = None) -> list[Post]:
    """The latest published posts for a feed, with authors and tags."""
    query = published_posts()
    if tag is not None:
        query = query.join(post_tags, post_tags.c.post_id == Post.id).where(post_tags.c.tag_id == tag.id)
    query = (
        query.options(_AUTHOR, selectinload(Post.tags))
        .order_by(Post.publish_at.desc(), Post.id.desc())
        .limit(FEED_SIZE)
    )
    return list(db.session.execute(query).scalars())


def sitemap_entries() -> tuple[list[tuple[str, object]], list[str]]:
    """(slug, updated_at) of the latest published posts, and the names of tags published posts carry."""
    posts = db.session.execute(
        db.select(Post.slug, Post.updated_at).where(is_published()).order_by(Post.publish_at.desc()).limit(SITEMAP_MAX)
    ).all()
    tags = db.session.execute(db.select(Tag.name).where(_has_published_post()).order_by(Tag.name)).scalars().all()
    return [tuple(row) for row in posts], list(tags)


def renamed_post(old_slug: str) -> Post | None:
    """The post that used to live at ``old_slug``, if it was renamed."""
    redirect = db.session.get(SlugRedirect, old_slug)
    return redirect.post if redirect else None
