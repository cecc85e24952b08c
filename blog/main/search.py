"""Full-text search over published posts, in English and Chinese, on SQLite FTS5 or PostgreSQL.

The search box's text is parsed once (:mod:`blog.main.search_query`: words,
phrases, OR, NOT, prefix*, Chinese cut into words) and written out for the
database's index (:mod:`blog.main.search_index`), so both databases find the
same posts. Matches in a title weigh ten times as much as matches in the
body. Snippets are cut from the post's own text in Python
(:mod:`blog.main.snippets`), escaped, with the matched words in ``<mark>``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from markupsafe import Markup
from sqlalchemy import bindparam, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import joinedload

from blog.extensions import db
from blog.main.search_query import MAX_PREFIXES, MAX_WORDS, MIN_PREFIX, Query, parse, to_fts5, to_tsquery
from blog.main.snippets import snippet
from blog.models import Post, PostStatus, User, UTCDateTime, utcnow

log = logging.getLogger(__name__)

PAGE_SIZE = 10
MAX_QUERY = 200
#: ``Post.visible_at(:now)`` in the raw SQL the full-text statements need (one rule, two spellings).
_PUBLISHED = f"posts.status = '{PostStatus.PUBLISHED.value}' AND posts.publish_at <= :now"
SQLITE_SEARCH = text(
    "SELECT posts.id FROM post_search JOIN posts ON posts.id = post_search.rowid "  # noqa: S608 - constants only
    f"WHERE post_search MATCH :query AND {_PUBLISHED} "
    "ORDER BY bm25(post_search, 10.0, 1.0, 0.0), posts.publish_at DESC LIMIT :limit OFFSET :offset"
).bindparams(bindparam("now", type_=UTCDateTime()))
# Weights in ts_rank's order D, C, B (body), A (title).
POSTGRES_SEARCH = text(
    "SELECT posts.id FROM post_search JOIN posts ON posts.id = post_search.post_id, "  # noqa: S608 - constants only
    "to_tsquery('english'::regconfig, :query) AS q "
    f"WHERE post_search.document @@ q AND {_PUBLISHED} "
    "ORDER BY ts_rank('{0.1, 0.1, 0.1, 1.0}', post_search.document, q) DESC, posts.publish_at DESC "
    "LIMIT :limit OFFSET :offset"
).bindparams(bindparam("now", type_=UTCDateTime()))
MISREAD = (
    "We could not understand that search, so we looked for its words alone. "
    'You can use plain words, "exact phrases", OR, NOT and prefix*.'
)
CAPPED = (
    f"Searches use at most {MAX_WORDS} words and {MAX_PREFIXES} prefix* words of {MIN_PREFIX} or more letters; "
    "we left out the rest."
)


@dataclass
class SearchResults:
    query: str
    page: int = 1
    hits: list[tuple[Post, Markup]] = field(default_factory=list)
    has_next: bool = False
    notice: str | None = None


def search(query: str, page: int = 1) -> SearchResults:
    """Search published posts for ``query``; what cannot be understood is searched as plain words, with a notice."""
    query = query.strip()
    results = SearchResults(query=query, page=page)
    if not query:
        return results
    if len(query) > MAX_QUERY:
        results.notice = f"Searches are limited to {MAX_QUERY} characters; please shorten yours."
        return results
    parsed = parse(query)
    results.notice = MISREAD if parsed.misread else CAPPED if parsed.capped else None
    if parsed.empty:
        results.notice = results.notice or "Type a word to search for."
        return results
    ids = _run(parsed, page)
    results.has_next = len(ids) > PAGE_SIZE
    posts = _load_posts(ids[:PAGE_SIZE])
    results.hits = [(posts[i], snippet(posts[i].body, parsed)) for i in ids[:PAGE_SIZE] if i in posts]
    return results


def _run(parsed: Query, page: int) -> list[int]:
    postgres = db.engine.dialect.name == "postgresql"
    statement = POSTGRES_SEARCH if postgres else SQLITE_SEARCH
    params = dict(
        query=to_tsquery(parsed) if postgres else to_fts5(parsed),
        now=utcnow(),
        limit=PAGE_SIZE + 1,
        offset=(page - 1) * PAGE_SIZE,
    )
    try:
        return list(db.session.execute(statement, params).scalars())
    except DBAPIError as exc:
        # Tokens are letters and digits only, so this should not happen; a page beats a 500 if it does.
        log.warning("search %r failed: %s", params["query"], exc)
        db.session.rollback()
        return []


def _load_posts(ids: list[int]) -> dict[int, Post]:
    if not ids:
        return {}
    query = db.select(Post).where(Post.id.in_(ids)).options(joinedload(Post.author).lazyload(User.roles))
    return {post.id: post for post in db.session.execute(query).scalars()}
