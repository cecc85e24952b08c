"""``run``: the zero-setup start — database, roles, web server, worker and scheduler.

The worker (with an embedded beat) runs as a child process in its own session,
so that a Ctrl-C in the terminal reaches only this process; on the way out it
gets SIGTERM on its main process (a warm shutdown) and SIGKILL after a
deadline. SIGTERM sent to a prefork worker's whole process group was seen to
hang it, so the group is only killed as the last resort.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import click
from flask import current_app
from flask.cli import with_appcontext

STOP_DEADLINE = 10.0


def prepare_database() -> None:
    """Create the instance folder, upgrade the schema to head and create the roles."""
    from flask_migrate import upgrade

    from blog.extensions import db
    from blog.models import Role

    os.makedirs(current_app.instance_path, exist_ok=True)
    upgrade()
    Role.ensure_defaults()
    db.session.commit()


def start_worker(loglevel: str) -> subprocess.Popen:
    """Start ``celery -A celery_runner worker -B`` as a child in its own session."""
    schedule = os.path.join(current_app.instance_path, "celerybeat-schedule")
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "celery_runner",
        "worker",
        "-B",
        "--schedule",
        schedule,
        "--loglevel",
        loglevel,
        "--concurrency",
        "2",
        "--hostname",
        "embedded@%h",
    ]
    return subprocess.Popen(command, start_new_session=True, cwd=_project_root())


def stop_children(children: list[subprocess.Popen], deadline: float = STOP_DEADLINE) -> None:
    """Ask each child to stop, then kill what is still running after ``deadline`` seconds."""
    for child in children:
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    end = time.monotonic() + deadline
    for child in children:
        try:
            child.wait(timeout=max(0.1, end - time.monotonic()))
        except subprocess.TimeoutExpired:
            click.echo(f"process {child.pid} did not stop in {deadline:.0f}s; killing it", err=True)
            try:
                os.killpg(child.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            child.wait()


def _project_root() -> str:
    return os.path.dirname(current_app.root_path)


def _raise_keyboard_interrupt(_signum, _frame):
    raise KeyboardInterrupt


def _print_welcome(host: str, port: int, with_worker: bool) -> None:
    from blog.extensions import db
    from blog.models import Role, User

    click.echo(f"\n  The blog is at http://{host}:{port}/")
    click.echo(
        f"  Mail is written to {current_app.config['MAIL_FILE_DIR']}"
        if current_app.config["MAIL_BACKEND"] == "file"
        else "  Mail goes out over SMTP."
    )
    click.echo(
        "  Background jobs: "
        + (
            "a worker with its scheduler is running."
            if with_worker
            else "no worker (--no-worker); mail waits in the outbox."
        )
    )
    has_admin = db.session.execute(db.select(User.id).join(User.roles).where(Role.name == "admin")).first()
    if not has_admin:
        click.echo("  Create the first admin:  python manage.py create-admin")
    click.echo("  Stop with Ctrl-C.\n")


@click.command("run")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--no-worker", is_flag=True, help="Serve pages only; start no Celery worker.")
@click.option("--demo", is_flag=True, help="Seed a few posts and a demo admin, and print its login.")
@with_appcontext
def run_command(host: str, port: int, no_worker: bool, demo: bool) -> None:
    """Upgrade the database and serve the blog with a worker and scheduler on the embedded defaults."""
    from werkzeug.serving import run_simple

    prepare_database()
    if demo:
        from blog.cli.demo import create_demo

        click.echo(create_demo())
    children = [] if no_worker else [start_worker(current_app.config["LOG_LEVEL"].lower())]
    signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
    # A shell starting us in the background may have set SIGINT to "ignore"; Ctrl-C must still stop us.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    _print_welcome(host, port, not no_worker)
    try:
        run_simple(host, port, current_app._get_current_object(), threaded=True, use_reloader=False, use_debugger=False)
    except KeyboardInterrupt:
        pass
    finally:
        click.echo("Stopping…")
        stop_children(children)
