"""``backup`` and ``restore``: a consistent copy of the database and uploads, and putting it back."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from blog import backup as backups


@click.command("backup")
@click.option(
    "--to", "destination", type=click.Path(file_okay=False), help="A new folder (default: instance/backups/<time>)."
)
@with_appcontext
def backup_command(destination: str | None) -> None:
    """Back up the database (and uploads) while the blog serves; print where."""
    destination = destination or backups.default_destination()
    try:
        manifest = backups.backup(destination)
    except backups.BackupError as error:
        raise click.ClickException(str(error)) from None
    uploads = " and the uploads folder" if manifest.get("uploads") else ""
    click.echo(f"backed up the {manifest['dialect']} database{uploads} to {destination}")


@click.command("restore")
@click.argument("source", type=click.Path(exists=True, file_okay=False))
@click.option("--force", is_flag=True, help="Overwrite a database that holds users or posts.")
@with_appcontext
def restore_command(source: str, force: bool) -> None:
    """Restore a backup folder written by ``backup`` (stop the web, worker and beat processes first)."""
    try:
        manifest = backups.restore(source, force=force)
    except backups.BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"restored the backup of {manifest['created_at']} from {source}")
