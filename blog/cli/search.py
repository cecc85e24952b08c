"""``search``: look after the search index (``manage.py search reindex``)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import func

from blog.extensions import db
from blog.main.cache import bump_generation
from blog.main.search_index import pending_count, reindex
from blog.models import Post


@click.group("search")
def search_group() -> None:
    """Look after the search index."""


@search_group.command("reindex")
@click.option("--pending", is_flag=True, help="Only posts written by other tools and not segmented yet.")
@with_appcontext
def reindex_command(pending: bool) -> None:
    """Segment and index every post again (or only those still pending), in batches."""
    connection = db.session.connection()
    total = pending_count(connection) if pending else db.session.scalar(db.select(func.count(Post.id)))
    with click.progressbar(length=total, label="posts", show_pos=True) as bar:
        done = reindex(connection, pending_only=pending, progress=bar.update)
    bump_generation(connection)  # cached search pages may show the old results
    db.session.commit()
    click.echo(f"Indexed {done} posts.")
