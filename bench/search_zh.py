"""Search latency in Chinese and English on 100,000 posts, against the old English-only index, in one run.

Seeds a throw-away database (SQLite file, and a fresh schema in the PostgreSQL
database ``bench_zh``) with ``manage.py seed --lang mixed`` (half Chinese,
a tenth of those in Traditional characters), then also builds the index that
search used before (0002_read: FTS5 ``unicode61`` over title and body on
SQLite, ``english`` tsvector GIN index on PostgreSQL) over the same rows.
It times, interleaved query by query:

* **reference**: the old search statement (with its snippet) on English queries,
  plus loading the posts, as ``blog.main.search`` did before;
* **new, English** and **new, Chinese**: ``blog.main.search.search()`` whole
  (parse, segment, query, load, snippets) on English and Chinese queries;
* **prefix flood**: ``aa* OR ab* … OR az*`` on the new search (capped) and on
  the old statement (uncapped), each against its own normal query;

and prints p50/p95 per group with the ratio to the reference, and the cost
of indexing one post (segmentation and the index write) in each language.

    .venv/bin/python bench/search_zh.py [--posts 100000] [--repeats 15] [--flood-repeats 3] [--no-postgres]
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

ENGLISH = ["celery", "database", "queue worker", "migration*", '"background job"', "cache OR logs"]
CHINESE = ["消息队列", "数据库", "天气", "全文搜索", "红烧肉", "索引 查询", "資料庫", "部署脚本"]
FLOOD = " OR ".join(f"a{c}*" for c in "abcdefghijklmnopqrstuvwxyz")
REFERENCE_SQLITE = [
    "CREATE VIRTUAL TABLE posts_fts USING fts5(title, body, content='posts', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 2')",
    "INSERT INTO posts_fts(posts_fts) VALUES ('rebuild')",
]
REFERENCE_POSTGRES = [
    "CREATE INDEX ix_posts_search ON posts USING gin (to_tsvector('english'::regconfig, title || ' ' || body))"
]
OLD_SQLITE = (
    "SELECT posts.id, snippet(posts_fts, 1, '[', ']', '…', 24) AS snippet "
    "FROM posts_fts JOIN posts ON posts.id = posts_fts.rowid "
    "WHERE posts_fts MATCH :query AND posts.status = 'published' AND posts.publish_at <= :now "
    "ORDER BY bm25(posts_fts, 10.0, 1.0) LIMIT 11"
)
_DOC = "to_tsvector('english'::regconfig, posts.title || ' ' || posts.body)"
OLD_POSTGRES = (
    "SELECT posts.id, ts_headline('english', posts.body, q, 'MaxWords=30, MinWords=12, MaxFragments=2') AS snippet "  # noqa: S608
    f"FROM posts, websearch_to_tsquery('english', :query) AS q WHERE {_DOC} @@ q "
    "AND posts.status = 'published' AND posts.publish_at <= :now "
    f"ORDER BY ts_rank({_DOC}, q) DESC, posts.publish_at DESC LIMIT 11"
)


def _database(kind: str, folder: str, postgres_url: str) -> tuple[str, str | None]:
    if kind == "sqlite":
        return f"sqlite:///{folder}/bench.db", None
    from sqlalchemy import create_engine, text

    from config import normalise_database_url

    schema = f"bench_{uuid.uuid4().hex[:8]}"
    engine = create_engine(normalise_database_url(postgres_url))
    with engine.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    engine.dispose()
    return f"{postgres_url}?options=-csearch_path%3D{schema}", schema


def _time(call) -> float:
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def _summary(values: list[float]) -> tuple[float, float]:
    values = sorted(values)
    return statistics.median(values), values[min(len(values) - 1, int(len(values) * 0.95))]


def run(kind: str, args) -> dict:
    """Seed one database, build the reference index, and time the searches; return the figures."""
    folder = tempfile.mkdtemp(prefix=f"bench-search-{kind}-")
    url, schema = _database(kind, folder, args.postgres_url)
    os.environ.update(BLOG_INSTANCE_PATH=folder, DATABASE_URL=url, RATELIMIT_SEARCH="1000000 per minute")
    from flask_migrate import upgrade

    from blog import create_app
    from blog.extensions import db

    app = create_app("test")
    with app.app_context():
        upgrade()
        started = time.perf_counter()
        seeded = app.test_cli_runner().invoke(
            args=["seed", "--posts", str(args.posts), "--users", "200", "--comments", "0", "--lang", "mixed"]
            + ["--random-seed", "1"]
        )
        assert seeded.exit_code == 0, seeded.output
        figures = dict(seed_seconds=time.perf_counter() - started)
        _build_reference(kind)
        figures.update(_time_searches(kind, args))
        figures["indexing"] = _indexing_cost()
        db.session.remove()
        db.engine.dispose()
    if schema:
        _drop_schema(args.postgres_url, schema)
    shutil.rmtree(folder, ignore_errors=True)
    return figures


def _build_reference(kind: str) -> None:
    from sqlalchemy import text

    from blog.extensions import db

    for statement in REFERENCE_SQLITE if kind == "sqlite" else REFERENCE_POSTGRES + ["ANALYZE"]:
        db.session.execute(text(statement))
    db.session.commit()


def _time_searches(kind: str, args) -> dict:
    from sqlalchemy import text

    from blog.extensions import db
    from blog.main.search import _load_posts, search
    from blog.models import utcnow

    old = text(OLD_SQLITE if kind == "sqlite" else OLD_POSTGRES)

    def old_search(query: str) -> None:
        rows = db.session.execute(old, dict(query=query, now=utcnow().isoformat())).all()
        _load_posts([row.id for row in rows[:10]])

    groups = {"reference (old index, English)": [], "new, English": [], "new, Chinese": []}
    flood = {"new, normal": [], "new, flood": [], "old, normal": [], "old, flood": []}
    for query in ENGLISH + CHINESE:  # warm the caches once
        search(query)
    for round_number in range(args.repeats):
        for query in ENGLISH:
            groups["reference (old index, English)"].append(_time(lambda q=query: old_search(q)))
            groups["new, English"].append(_time(lambda q=query: search(q)))
        for query in CHINESE:
            groups["new, Chinese"].append(_time(lambda q=query: search(q)))
        flood["new, normal"].append(_time(lambda: search("celery")))
        flood["new, flood"].append(_time(lambda: search(FLOOD)))
        if round_number < args.flood_repeats:  # the old flood takes seconds: a few rounds tell enough
            flood["old, normal"].append(_time(lambda: old_search("celery")))
            flood["old, flood"].append(_time(lambda: old_search(FLOOD)))
        db.session.rollback()
    return dict(groups=groups, flood=flood)


def _indexing_cost() -> dict:
    """Seconds per post to segment and write 500 Chinese and 500 English posts (rolled back)."""
    from sqlalchemy import text

    from blog.extensions import db
    from blog.main import search_index
    from blog.main.segment import has_han

    rows = [tuple(row) for row in db.session.execute(text("SELECT id, title, body FROM posts LIMIT 3000"))]
    cost = {}
    for label, chinese in (("Chinese", True), ("English", False)):
        batch = [row for row in rows if has_han(row[1]) == chinese][:500]
        cost[label] = _time(lambda b=batch: search_index.index_posts(db.session.connection(), b)) / len(batch)
    db.session.rollback()
    return cost


def _drop_schema(postgres_url: str, schema: str) -> None:
    from sqlalchemy import create_engine, text

    from config import normalise_database_url

    engine = create_engine(normalise_database_url(postgres_url))
    with engine.begin() as connection:
        connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    engine.dispose()


def report(kind: str, figures: dict, args) -> None:
    print(f"\n### {kind}, {args.posts:,} posts (half Chinese), {args.repeats} rounds\n")
    print("| searches | p50 ms | p95 ms | p50 ratio to reference |\n|---|---:|---:|---:|")
    reference = _summary(figures["groups"]["reference (old index, English)"])[0]
    for label, values in figures["groups"].items():
        p50, p95 = _summary(values)
        print(f"| {label} | {p50 * 1000:.2f} | {p95 * 1000:.2f} | {p50 / reference:.2f} |")
    flood = {label: _summary(values)[0] for label, values in figures["flood"].items()}
    print(
        f"\nPrefix flood (26 prefixes) / `celery`: new {flood['new, flood'] / flood['new, normal']:.1f}x "
        f"({flood['new, flood'] * 1000:.1f} ms), old {flood['old, flood'] / flood['old, normal']:.1f}x "
        f"({flood['old, flood'] * 1000:.1f} ms)."
    )
    cost = figures["indexing"]
    print(
        f"Indexing one post (segment + write): Chinese {cost['Chinese'] * 1000:.2f} ms, "
        f"English {cost['English'] * 1000:.2f} ms. Seeding took {figures['seed_seconds']:.0f} s."
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--flood-repeats", type=int, default=3)
    parser.add_argument("--postgres-url", default="postgresql://postgres@127.0.0.1:5432/bench_zh")
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    print(
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}"
    )
    for kind in ["sqlite"] + ([] if args.no_postgres else ["postgresql"]):
        report(kind, run(kind, args), args)


if __name__ == "__main__":
    main()
