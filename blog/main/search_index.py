"""The search index, ``post_search``: a segmented copy of each post, kept in step with every write.

Segmenting Chinese needs Python (rjieba), which no database trigger can call,
so the index is fed from two sides (migration ``0004_zh_search``):

* Triggers on ``posts`` write the raw title and body at once for any writer
  (raw SQL, another tool, a bulk insert), marked ``segmented = false``. English
  words are searchable from that moment, as before.
* Python then writes the segmented copy over it and marks it segmented:
  mapper events for ORM writes (in the same flush, on the flush's connection),
  :func:`index_posts` in batches for ``manage.py seed`` and the migration, and
  :func:`index_pending` (``manage.py search reindex --pending``) for rows other
  writers left unsegmented.

On SQLite the index is an FTS5 table (``porter unicode61``: English words are
stemmed as on PostgreSQL); on PostgreSQL a table of weighted ``tsvector``
documents built with the ``english`` configuration (title weight A, body B)
under a GIN index. The ``english`` configuration leaves the spaced Chinese
words as they are (its parser takes each as a word, its stemmer and stop
words only touch English), so one document serves both languages and
PostgreSQL's own parser splits the text segmentation prepared.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from flask import Flask
from sqlalchemy import bindparam, event, inspect, text
from sqlalchemy.engine import Connection

from blog.main.segment import segment
from blog.models import Post

BATCH = 500
SQLITE_WRITE = text("INSERT OR REPLACE INTO post_search (rowid, title, body, segmented) VALUES (:id, :title, :body, 1)")
POSTGRES_WRITE = text(
    "INSERT INTO post_search (post_id, document, segmented) "
    "SELECT u.id, setweight(to_tsvector('english'::regconfig, u.title), 'A') || "
    "setweight(to_tsvector('english'::regconfig, u.body), 'B'), true "
    "FROM unnest(CAST(:ids AS integer[]), CAST(:titles AS text[]), CAST(:bodies AS text[])) AS u(id, title, body) "
    "JOIN posts ON posts.id = u.id "
    "ON CONFLICT (post_id) DO UPDATE SET document = EXCLUDED.document, segmented = true"
)
_POSTS_BY_ID = text("SELECT id, title, body FROM posts WHERE id IN :ids").bindparams(bindparam("ids", expanding=True))
_PENDING = {
    "sqlite": "SELECT rowid FROM post_search WHERE segmented = 0",
    "postgresql": "SELECT post_id FROM post_search WHERE NOT segmented",
}
_PENDING_COUNT = {
    "sqlite": "SELECT count(*) FROM post_search WHERE segmented = 0",
    "postgresql": "SELECT count(*) FROM post_search WHERE NOT segmented",
}


def init_app(app: Flask) -> None:
    """Index posts written through the ORM in the same flush."""
    if not event.contains(Post, "after_insert", _index_inserted):
        event.listen(Post, "after_insert", _index_inserted)
        event.listen(Post, "after_update", _index_updated)


def _index_inserted(_mapper, connection: Connection, post: Post) -> None:
    index_posts(connection, [(post.id, post.title, post.body)])


def _index_updated(_mapper, connection: Connection, post: Post) -> None:
    state = inspect(post)
    if state.attrs.title.history.has_changes() or state.attrs.body.history.has_changes():
        index_posts(connection, [(post.id, post.title, post.body)])


def index_posts(connection: Connection, rows: Iterable[tuple[int, str, str]]) -> int:
    """Write the segmented copy of ``(id, title, body)`` rows; return how many."""
    return write_segmented(connection, [(post_id, segment(title), segment(body)) for post_id, title, body in rows])


def write_segmented(connection: Connection, rows: list[tuple[int, str, str]]) -> int:
    """Write ``(id, title, body)`` rows already passed through :func:`segment`; return how many."""
    if not rows:
        return 0
    if connection.dialect.name == "postgresql":
        ids, titles, bodies = (list(column) for column in zip(*rows, strict=True))
        connection.execute(POSTGRES_WRITE, dict(ids=ids, titles=titles, bodies=bodies))
    else:
        connection.execute(SQLITE_WRITE, [dict(id=i, title=t, body=b) for i, t, b in rows])
    return len(rows)


def reindex(
    connection: Connection, *, pending_only: bool = False, progress: Callable[[int], None] | None = None
) -> int:
    """Segment every post (or only those left unsegmented) in batches; return how many."""
    if pending_only:
        ids = list(connection.execute(text(_PENDING[connection.dialect.name])).scalars())
    else:
        ids = list(connection.execute(text("SELECT id FROM posts ORDER BY id")).scalars())
    done = 0
    for start in range(0, len(ids), BATCH):
        batch = ids[start : start + BATCH]
        rows = connection.execute(_POSTS_BY_ID, dict(ids=batch))
        done += index_posts(connection, [tuple(row) for row in rows])
        if progress is not None:
            progress(len(batch))
    return done


def pending_count(connection: Connection) -> int:
    """Count the posts whose index entry is not segmented yet."""
    return connection.execute(text(_PENDING_COUNT[connection.dialect.name])).scalar_one()
