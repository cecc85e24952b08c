"""Full-text search over published posts: SQLite FTS5 or PostgreSQL text search.

Both return ranked posts with a highlighted snippet. The snippet is built
around private-use marker characters, escaped, and only then turned into
``<mark>`` elements, so a post's raw Markdown can never inject markup.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from markupsafe import Markup, escape
from sqlalchemy import bindparam, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import joinedload

from blog.extensions import db
from blog.models import Post, User, UTCDateTime, utcnow

PAGE_SIZE = 10
MAX_QUERY = 200
_OPEN, _CLOSE = "\ue000", "\ue001"
_WORD = re.compile(r"\w+", re.UNICODE)
_MARKDOWN_PUNCTUATION = re.compile(r"[*`#|~>]+|-{3,}|={3,}|\]\([^)\s]*\)|!?\[")
_SPACES = re.compile(r"\s+")

SQLITE_SEARCH = text(
    "SELECT posts.id, snippet(posts_fts, 1, :open, :close, '…', 24) AS snippet "
    "FROM posts_fts JOIN posts ON posts.id = posts_fts.rowid "
    "WHERE posts_fts MATCH :query AND posts.status = 'published' AND posts.publish_at <= :now "
    # Matches in the title weigh ten times as much as matches in the body.
    "ORDER BY bm25(posts_fts, 10.0, 1.0) LIMIT :limit OFFSET :offset"
).bindparams(bindparam("now", type_=UTCDateTime()))
# The document expression must match the GIN index of migration 0002_read.
POSTGRES_DOCUMENT = "to_tsvector('english'::regconfig, posts.title || ' ' || posts.body)"
POSTGRES_SEARCH = text(
    f"SELECT posts.id, ts_headline('english', posts.body, q, "  # noqa: S608 - constants only
    f"'StartSel=' || :open || ', StopSel=' || :close || ', MaxWords=30, MinWords=12, MaxFragments=2') AS snippet "
    f"FROM posts, websearch_to_tsquery('english', :query) AS q "
    f"WHERE {POSTGRES_DOCUMENT} @@ q AND posts.status = 'published' AND posts.publish_at <= :now "
    f"ORDER BY ts_rank({POSTGRES_DOCUMENT}, q) DESC, posts.publish_at DESC LIMIT :limit OFFSET :offset"
).bindparams(bindparam("now", type_=UTCDateTime()))


@dataclass
class SearchResults:
    query: str
    page: int = 1
    hits: list[tuple[Post, Markup]] = field(default_factory=list)
    has_next: bool = False
    notice: str | None = None


def search(query: str, page: int = 1) -> SearchResults:
    """Search published posts for ``query``; bad syntax falls back to its plain words with a notice."""
    query = query.strip()
    results = SearchResults(query=query, page=page)
    if not query:
        return results
    if len(query) > MAX_QUERY:
        results.notice = f"Searches are limited to {MAX_QUERY} characters; please shorten yours."
        return results
    try:
        rows = _run(query, page)
    except DBAPIError:
        # FTS5 rejects unbalanced quotes, stray operators and unknown columns.
        db.session.rollback()
        words = _WORD.findall(query)
        results.notice = (
            "We could not understand that search, so we looked for its words alone. "
            'You can use plain words, "exact phrases", OR, NOT and prefix*.'
        )
        rows = _run(" ".join(f'"{word}"' for word in words), page) if words else []
    results.has_next = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    posts = _load_posts([post_id for post_id, _ in rows])
    results.hits = [(posts[post_id], _highlight(snippet)) for post_id, snippet in rows if post_id in posts]
    return results


def _run(query: str, page: int) -> list[tuple[int, str]]:
    statement = POSTGRES_SEARCH if db.engine.dialect.name == "postgresql" else SQLITE_SEARCH
    params = dict(
        query=query, open=_OPEN, close=_CLOSE, now=utcnow(), limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE
    )
    return [(row.id, row.snippet or "") for row in db.session.execute(statement, params)]


def _load_posts(ids: list[int]) -> dict[int, Post]:
    if not ids:
        return {}
    query = db.select(Post).where(Post.id.in_(ids)).options(joinedload(Post.author).lazyload(User.roles))
    return {post.id: post for post in db.session.execute(query).scalars()}


def _highlight(snippet: str) -> Markup:
    """Escape ``snippet``, then turn the markers into ``<mark>`` elements."""
    # The index holds Markdown: drop its punctuation so that the snippet reads as text.
    snippet = _SPACES.sub(" ", _MARKDOWN_PUNCTUATION.sub(" ", snippet)).strip()
    escaped = str(escape(snippet))
    return Markup(escaped.replace(_OPEN, "<mark>").replace(_CLOSE, "</mark>"))  # noqa: S704 - escaped above
