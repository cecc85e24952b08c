"""``manage.py check``: the database, the broker, a live worker, beat and SMTP, each with what it found."""

from __future__ import annotations

import time
import uuid

import click
from flask import current_app
from flask.cli import with_appcontext
from kombu.utils.url import maybe_sanitize_url
from sqlalchemy import text

from blog.extensions import db
from blog.jobs.heartbeats import SWEEP_HEARTBEAT, WORKER_HEARTBEAT, last_run, workers_look_alive
from blog.jobs.tasks import heartbeat
from blog.mail.transport import mail_connection
from blog.production import default_workers, deployment_warnings


@click.command("check")
@click.option("--timeout", default=5.0, show_default=True, help="Seconds to wait for a worker to answer.")
@with_appcontext
def check_command(timeout: float) -> None:
    """Report the database, the broker, a live worker, beat and SMTP; exit 1 if something is down."""
    results = [_check_database(), _check_broker()]
    results.append(_check_worker(timeout) if results[1][0] else (False, "worker", "not asked: the broker is down"))
    results += [_check_beat(), _check_mail()]
    for ok, name, detail in results:
        click.echo(f"{'ok  ' if ok else 'FAIL'} {name:9} {detail}")
    _warn_about_deployment()
    if not all(ok for ok, _, _ in results):
        raise SystemExit(1)


def _warn_about_deployment() -> None:
    """Print what is wrong for production with ``serve``'s number of workers (a warning, not a failure)."""
    for warning in deployment_warnings(current_app.config, default_workers()):
        click.echo(f"warn settings  {warning}")
    if not current_app.config["BLOG_PROXY_COUNT"]:
        click.echo("note proxies   BLOG_PROXY_COUNT is unset: X-Forwarded-* headers are ignored (docs/DEPLOY.md)")


def _check_database():
    try:
        db.session.execute(text("SELECT 1"))
        return True, "database", db.engine.url.render_as_string(hide_password=True)
    except Exception as error:
        return False, "database", repr(error)


def _check_broker():
    celery = current_app.extensions["celery"]
    url = celery.conf.broker_url
    try:
        with celery.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, timeout=3)
        return True, "broker", _redacted(url)
    except Exception as error:
        return False, "broker", f"{_redacted(url)}: {error!r}"


def _check_worker(timeout: float):
    token = uuid.uuid4().hex
    started = time.monotonic()
    try:
        heartbeat.apply_async(args=[token], retry=False, expires=timeout + 5)
    except Exception as error:
        return False, "worker", f"could not send the ping: {error!r}"
    while time.monotonic() - started < timeout:
        row = last_run(WORKER_HEARTBEAT)
        if row is not None and row.detail == token:
            return True, "worker", f"answered in {time.monotonic() - started:.2f}s"
        time.sleep(0.1)
    return False, "worker", f"no worker answered within {timeout:.0f}s; start one: celery -A celery_runner worker"


def _check_beat():
    row = last_run(SWEEP_HEARTBEAT)
    if row is None:
        return False, "beat", "the periodic sweep never ran; start one beat: celery -A celery_runner beat"
    when = f"last sweep {row.last_run_at:%Y-%m-%d %H:%M:%S} UTC"
    if workers_look_alive():
        return True, "beat", when
    return False, "beat", f"{when}, too long ago; is exactly one beat running?"


def _check_mail():
    config = current_app.config
    if config["MAIL_BACKEND"] == "file":
        return True, "mail", f"writing .eml files to {config['MAIL_FILE_DIR']}"
    where = f"{config['MAIL_SERVER']}:{config['MAIL_PORT']}"
    try:
        with mail_connection():
            pass
        login = f" as {config['MAIL_USERNAME']}" if config.get("MAIL_USERNAME") else ""
        return True, "mail", f"SMTP {where} accepted the connection{login}"
    except Exception as error:
        return False, "mail", f"SMTP {where}: {error!r}"


def _redacted(url: str) -> str:
    return maybe_sanitize_url(url)
