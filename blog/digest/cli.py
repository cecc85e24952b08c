"""``manage.py send-digest``: send (or count) the digest now, as beat does on ``DIGEST_SCHEDULE``."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from blog.digest.services import send_digest


@click.command("send-digest")
@click.option("--dry-run", is_flag=True, help="Count the posts and subscribers; queue nothing.")
@click.option(
    "--frequency",
    "frequencies",
    type=click.Choice(["daily", "weekly"]),
    multiple=True,
    help="Which digests to send (default: daily, plus weekly on DIGEST_WEEKDAY).",
)
@with_appcontext
def send_digest_command(dry_run: bool, frequencies: tuple[str, ...]) -> None:
    """Send the digest now, as beat does on DIGEST_SCHEDULE."""
    run = send_digest(list(frequencies) or None, dry_run=dry_run)
    for frequency in run.posts:
        click.echo(f"{frequency}: {run.posts[frequency]} new post(s), {run.subscribers[frequency]} subscriber(s)")
    if dry_run:
        click.echo("dry run: nothing queued")
    else:
        click.echo(f"queued {run.queued} digest(s); a worker sends them")
