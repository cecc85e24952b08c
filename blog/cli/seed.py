"""``seed``: fill the database with fake but realistic users, tagged Markdown posts and comments.

Bodies are drawn from a pool rendered (and segmented for search) once, and
rows go in with bulk inserts, so that 100,000 posts take well under two
minutes. ``--lang`` chooses English, Chinese (:mod:`blog.cli.seed_text`) or
half of each. Each chunk of posts is indexed for search as it goes in: the
triggers on ``posts`` only copy the raw text, which cannot split Chinese.
"""

from __future__ import annotations

import random
from datetime import timedelta

import click
from flask.cli import with_appcontext
from slugify import slugify
from sqlalchemy import func, insert

from blog.cli.seed_text import zh_markdown_body, zh_title
from blog.extensions import db
from blog.main.search_index import write_segmented
from blog.main.segment import segment
from blog.markdown import render_markdown, summarise
from blog.models import Comment, CommentStatus, Post, PostStatus, Role, Tag, User, post_tags, user_roles, utcnow

CHUNK = 5000
#: Seeded posts are mostly published, with a few drafts and scheduled ones (weights 94, 5, 1).
SEED_STATES = (PostStatus.PUBLISHED, PostStatus.DRAFT, PostStatus.SCHEDULED)
TOPICS = [
    "Flask",
    "Celery",
    "SQLAlchemy",
    "PostgreSQL",
    "Redis",
    "RabbitMQ",
    "Python",
    "testing",
    "caching",
    "deployment",
    "gunicorn",
    "Jinja",
    "migrations",
    "background jobs",
    "e-mail",
    "security",
    "OAuth",
    "Markdown",
    "search",
    "feeds",
    "performance",
    "logging",
    "monitoring",
    "APIs",
    "design",
    "writing",
]
VERBS = [
    "Notes on",
    "A gentle guide to",
    "What I learned about",
    "Rethinking",
    "Debugging",
    "Scaling",
    "Ten tips for",
    "Understanding",
    "A week with",
    "Getting started with",
    "Lessons from",
]
TAGS = [
    "python",
    "flask",
    "celery",
    "sqlalchemy",
    "postgresql",
    "redis",
    "rabbitmq",
    "testing",
    "devops",
    "web",
    "security",
    "performance",
    "tutorial",
    "opinion",
    "til",
    "databases",
    "email",
    "jobs",
    "design",
    "writing",
    "linux",
    "networking",
    "frontend",
    "career",
    "tools",
    "reading",
    "travel",
    "cooking",
    "photography",
    "music",
]
SENTENCES = [
    "The first version worked, but only on my laptop.",
    "It turns out the database was doing most of the work.",
    "A background job should take an id, never an object.",
    "Measure before you change anything, then measure again.",
    "The queue was fine; the worker had simply stopped.",
    "Most of the time went into a query that ran once per row.",
    "Caching helped, until two processes disagreed about what they had cached.",
    "We wrote the test first and it failed for the right reason.",
    "Nothing is lost if the row is written in the same transaction.",
    "Reading the logs told us more than any dashboard.",
    "Small functions with honest names make reviews quick.",
    "The migration ran in seconds on an empty table and hours on a full one.",
]
FIRST = [
    "Ada",
    "Linus",
    "Grace",
    "Guido",
    "Barbara",
    "Ken",
    "Margaret",
    "Dennis",
    "Frances",
    "Alan",
    "Radia",
    "Donald",
    "Hedy",
    "Tim",
    "Karen",
    "Edsger",
    "Sophie",
    "Wei",
    "Mei",
    "Ravi",
]
LAST = [
    "Lovelace",
    "Hopper",
    "Liskov",
    "Hamilton",
    "Ritchie",
    "Allen",
    "Turing",
    "Perlman",
    "Knuth",
    "Lamarr",
    "Berners",
    "Dijkstra",
    "Wilson",
    "Zhang",
    "Chen",
    "Kumar",
    "Okafor",
    "Silva",
]


def _paragraph(rng: random.Random) -> str:
    return " ".join(rng.sample(SENTENCES, rng.randint(2, 5)))


def _markdown_body(rng: random.Random) -> str:
    parts = [_paragraph(rng), f"## {rng.choice(TOPICS)} in practice", _paragraph(rng)]
    if rng.random() < 0.5:
        parts.append("```python\n@shared_task\ndef send_reminder(reminder_id):\n    ...\n```")
    if rng.random() < 0.4:
        parts.append("- measure\n- change one thing\n- measure again")
    if rng.random() < 0.3:
        parts.append("| step | time |\n|---|---|\n| before | 120 ms |\n| after | 8 ms |")
    parts.append(f"Read more about *{rng.choice(TOPICS)}* in the [docs](https://example.org/docs).")
    return "\n\n".join(parts)


def _body_pool(rng: random.Random, lang: str, size: int = 300) -> list[tuple[str, str, str, str]]:
    """Bodies to draw from, each with its HTML, summary and segmented text; ``lang`` is en or zh."""
    pool = []
    for _ in range(size):
        body = zh_markdown_body(rng) if lang == "zh" else _markdown_body(rng)
        html = render_markdown(body)
        pool.append((body, html, summarise(html), segment(body)))
    return pool


def _languages(lang: str) -> list[str]:
    return ["en", "zh"] if lang == "mixed" else [lang]


def seed_users(count: int, rng: random.Random) -> list[int]:
    """Create ``count`` authors (without passwords: they cannot log in) and return their ids."""
    Role.ensure_defaults()
    db.session.flush()
    role_ids = dict(db.session.execute(db.select(Role.name, Role.id)).all())
    start = (db.session.scalar(db.select(func.max(User.id))) or 0) + 1
    now = utcnow()
    rows = []
    for n in range(start, start + count):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        rows.append(
            dict(
                id=n,
                username=f"{first.lower()}{n}",
                email=f"{first.lower()}.{last.lower()}{n}@example.org",
                display_name=f"{first} {last}",
                created_at=now - timedelta(days=rng.randint(30, 1500)),
                active=True,
                digest=rng.choice(["none", "daily", "weekly"]),
                notify_comments=True,
                session_version=1,
            )
        )
    # Bulk insert on purpose: seeded people get no welcome mail.
    db.session.execute(insert(User), rows)
    db.session.execute(
        insert(user_roles),
        [dict(user_id=r["id"], role_id=role_ids[name]) for r in rows for name in ("author", "reader")],
    )
    return [r["id"] for r in rows]


def seed_tags() -> dict[str, int]:
    Tag.from_names(TAGS)
    db.session.flush()
    return dict(db.session.execute(db.select(Tag.name, Tag.id)).all())


def seed_posts(
    count: int, author_ids: list[int], tag_ids: dict[str, int], rng: random.Random, lang: str = "en"
) -> list[int]:
    """Insert and index ``count`` posts, mostly published over the last three years; return their ids."""
    pools = {language: _body_pool(rng, language) for language in _languages(lang)}
    taken = set(db.session.execute(db.select(Post.slug)).scalars())
    start = (db.session.scalar(db.select(func.max(Post.id))) or 0) + 1
    now = utcnow()
    tag_list = list(tag_ids.values())
    ids = []
    with click.progressbar(length=count, label="posts", show_pos=True) as bar:
        for chunk_start in range(start, start + count, CHUNK):
            posts, links, index = [], [], []
            for n in range(chunk_start, min(chunk_start + CHUNK, start + count)):
                post, indexed = _fake_post(n, rng, pools, taken, now, author_ids)
                posts.append(post)
                index.append(indexed)
                links.extend(dict(post_id=n, tag_id=t) for t in rng.sample(tag_list, rng.randint(1, 3)))
            db.session.execute(insert(Post), posts)
            db.session.execute(insert(post_tags), links)
            write_segmented(db.session.connection(), index)
            db.session.commit()
            ids.extend(p["id"] for p in posts if p["status"] == PostStatus.PUBLISHED)
            bar.update(len(posts))
    return ids


def _fake_post(n: int, rng: random.Random, pools: dict, taken: set[str], now, author_ids: list[int]):
    """Post ``n``'s row and its search-index entry: a language, a unique slug, a state and a time that fit it."""
    language = rng.choice(list(pools))
    title = zh_title(rng) if language == "zh" else f"{rng.choice(VERBS)} {rng.choice(TOPICS)}"
    slug = slugify(title)
    if slug in taken:
        slug = f"{slug}-{n}"
    taken.add(slug)
    body, html, summary, segmented = rng.choice(pools[language])
    status = rng.choices(list(SEED_STATES), [94, 5, 1])[0]
    when = now - timedelta(minutes=rng.randint(1, 3 * 365 * 24 * 60))
    if status == PostStatus.SCHEDULED:
        when = now + timedelta(days=rng.randint(1, 30))
    row = dict(
        id=n,
        title=title,
        slug=slug,
        body=body,
        body_html=html,
        summary=summary,
        status=status,
        publish_at=when if status != PostStatus.DRAFT else None,
        created_at=min(when, now),
        updated_at=min(when, now),
        author_id=rng.choice(author_ids),
    )
    return row, (n, segment(title), segmented)


def seed_comments(count: int, post_ids: list[int], user_ids: list[int], rng: random.Random) -> None:
    if not post_ids:
        return
    rendered = [(s, render_markdown(s)) for s in SENTENCES]
    now = utcnow()
    with click.progressbar(length=count, label="comments", show_pos=True) as bar:
        for chunk_start in range(0, count, CHUNK):
            rows = []
            for _ in range(chunk_start, min(chunk_start + CHUNK, count)):
                body, html = rng.choice(rendered)
                rows.append(
                    dict(
                        post_id=rng.choice(post_ids),
                        author_id=rng.choice(user_ids),
                        body=body,
                        body_html=html,
                        status=CommentStatus.VISIBLE,
                        created_at=now - timedelta(minutes=rng.randint(1, 500_000)),
                    )
                )
            db.session.execute(insert(Comment), rows)
            db.session.commit()
            bar.update(len(rows))


@click.command("seed")
@with_appcontext
@click.option("--posts", default=100, show_default=True, type=click.IntRange(0, 10_000_000))
@click.option("--users", default=20, show_default=True, type=click.IntRange(1, 1_000_000))
@click.option("--comments", default=300, show_default=True, type=click.IntRange(0, 100_000_000))
@click.option("--random-seed", default=None, type=int, help="Make the data repeatable.")
@click.option(
    "--lang", default="en", show_default=True, type=click.Choice(["en", "zh", "mixed"]), help="Language of the posts."
)
def seed_command(posts: int, users: int, comments: int, random_seed: int | None, lang: str) -> None:
    """Fill the database with fake users, tagged Markdown posts (English, Chinese or mixed) and comments."""
    rng = random.Random(random_seed)
    user_ids = seed_users(users, rng)
    tag_ids = seed_tags()
    db.session.commit()
    published = seed_posts(posts, user_ids, tag_ids, rng, lang)
    seed_comments(comments, published, user_ids, rng)
    _reset_postgres_sequences()
    _analyze_postgres()
    click.echo(f"Seeded {users} users, {posts} posts ({len(published)} published), {comments} comments.")


def _analyze_postgres() -> None:
    """Give PostgreSQL's planner the new rows' statistics now, not when autovacuum comes by.

    Fresh bulk rows look like empty tables to it: the tag page then walked every author's posts
    (600 ms at 100,000 posts instead of 11).
    """
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(db.text("ANALYZE"))


def _reset_postgres_sequences() -> None:
    """Explicit ids leave PostgreSQL's sequences behind; move them past the largest id."""
    if db.engine.dialect.name != "postgresql":
        return
    for table in ("users", "posts", "comments", "tags"):  # constants, not input
        statement = f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE(MAX(id), 1)) FROM {table}"  # noqa: S608
        db.session.execute(db.text(statement))
    db.session.commit()
