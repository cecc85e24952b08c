"""Commands of the jobs area: ``send-digest``, ``mail-test`` and ``check``."""

from __future__ import annotations

import time
import uuid

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import text


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
    from blog.digest.services import send_digest

    run = send_digest(list(frequencies) or None, dry_run=dry_run)
    for frequency in run.posts:
        click.echo(f"{frequency}: {run.posts[frequency]} new post(s), {run.subscribers[frequency]} subscriber(s)")
    if dry_run:
        click.echo("dry run: nothing queued")
    else:
        click.echo(f"queued {run.queued} digest(s); a worker sends them")


@click.command("mail-test")
@click.option("--to", "recipient", required=True, help="Where to send the test message.")
@with_appcontext
def mail_test_command(recipient: str) -> None:
    """Send a test message through the configured backend now and print the server's answer."""
    from email_validator import EmailNotValidError, validate_email

    from blog.jobs.mailer import FileConnection, build_message, mail_connection

    try:
        validate_email(recipient, check_deliverability=False)
    except EmailNotValidError as error:
        raise click.BadParameter(str(error), param_hint="--to") from None
    message = build_message(
        "test",
        recipient,
        {"subject": f"Test message from {current_app.config['BLOG_NAME']}", "note": "Sent by manage.py mail-test."},
    )
    config = current_app.config
    smtp = f"{config['MAIL_SERVER']}:{config['MAIL_PORT']}"
    where = config["MAIL_FILE_DIR"] if config["MAIL_BACKEND"] == "file" else smtp
    try:
        with mail_connection() as connection:
            if isinstance(connection, FileConnection):
                connection.send(message)
                click.echo(f"written to {where}")
                return
            host = connection.host
            host.ehlo_or_helo_if_needed()
            host.mail(message.sender if "<" not in message.sender else message.sender.split("<")[1].rstrip(">"))
            code, reply = host.rcpt(recipient)
            if code >= 400:
                raise click.ClickException(f"{where} refused {recipient}: {code} {reply.decode(errors='replace')}")
            code, reply = host.data(message.as_bytes())
    except click.ClickException:
        raise
    except Exception as error:
        raise click.ClickException(f"sending through {where} failed: {error!r}") from None
    click.echo(f"{where} answered: {code} {reply.decode(errors='replace')}")
    if code >= 400:
        raise SystemExit(1)


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
    from blog.production import default_workers, deployment_warnings

    for warning in deployment_warnings(current_app.config, default_workers()):
        click.echo(f"warn settings  {warning}")
    if not current_app.config["BLOG_PROXY_COUNT"]:
        click.echo("note proxies   BLOG_PROXY_COUNT is unset: X-Forwarded-* headers are ignored (docs/DEPLOY.md)")


def _check_database():
    from blog.extensions import db

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
    from blog.jobs.services import WORKER_HEARTBEAT, last_run
    from blog.jobs.tasks import heartbeat

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
    from blog.jobs.services import SWEEP_HEARTBEAT, last_run, workers_look_alive

    row = last_run(SWEEP_HEARTBEAT)
    if row is None:
        return False, "beat", "the periodic sweep never ran; start one beat: celery -A celery_runner beat"
    when = f"last sweep {row.last_run_at:%Y-%m-%d %H:%M:%S} UTC"
    if workers_look_alive():
        return True, "beat", when
    return False, "beat", f"{when}, too long ago; is exactly one beat running?"


def _check_mail():
    from blog.jobs.mailer import mail_connection

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
    from kombu.utils.url import maybe_sanitize_url

    return maybe_sanitize_url(url)
