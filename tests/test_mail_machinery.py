"""The mail package's own contracts: kinds are declared by their areas, transitions are fenced,
and after-commit work runs only after a commit (issue 8)."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest

from blog.after_commit import call_after_commit
from blog.extensions import db
from blog.mail import delivery
from blog.mail.kinds import _KINDS, UnknownKind, get_kind, register_kind
from blog.mail.queue import queue_mail
from blog.models import OutboxMessage, OutboxStatus, utcnow
from tests.support import PROJECT_ROOT, wait_for

#: The kinds the blog's areas declare in their init_app (tests/faults.py adds its own in the worker only).
AREA_KINDS = {
    "welcome",
    "password_reset",
    "confirm_email",
    "email_change_notice",
    "login_guessing",
    "login_link",
    "author_request_decision",
    "reminder",
    "comment",
    "follow",
    "digest",
    "announcement",
    "alarm",
    "test",
}


def test_every_area_declares_its_kinds_when_the_app_is_built(app):
    assert AREA_KINDS <= set(_KINDS)


@pytest.mark.parametrize("kind", sorted(AREA_KINDS))
def test_every_declared_kind_has_its_text_and_html_templates(kind):
    for ending in ("txt", "html"):
        path = os.path.join(PROJECT_ROOT, "templates", "email", f"{kind}.{ending}")
        assert os.path.isfile(path), f"mail kind {kind!r} has no template {path}"


def test_a_kind_declared_again_with_other_hooks_is_refused():
    register_kind("twice-declared", context=dict)
    assert register_kind("twice-declared", context=dict) == get_kind("twice-declared")
    with pytest.raises(ValueError, match="registered twice"):
        register_kind("twice-declared", context=lambda payload: {})


def test_an_unknown_kind_says_how_to_declare_it():
    with pytest.raises(UnknownKind, match=r"register_kind\(\) in its area's init_app"):
        get_kind("never-declared")


@pytest.mark.usefixtures("worker")
def test_mail_of_an_undeclared_kind_fails_with_that_message_and_is_not_retried(app, smtp_server):
    with app.app_context():
        queue_mail(db.session, key="undeclared:1", kind="never-declared", recipient="u@example.org", payload={})
        db.session.commit()

    def failed():
        with app.app_context():
            row = db.session.execute(db.select(OutboxMessage).filter_by(key="undeclared:1")).scalar_one()
            return row if row.status == OutboxStatus.FAILED else None

    row = wait_for(failed, message="the undeclared kind's row failed")
    assert "register_kind" in row.last_error
    assert row.attempts == 1
    assert smtp_server.count_to("u@example.org") == 0


def _queued_row(key: str) -> OutboxMessage:
    """A due row that no worker was handed (queued for later, then made due), so only this test claims it."""
    later = utcnow() + timedelta(hours=1)
    queue_mail(db.session, key=key, kind="test", recipient="fence@example.org", payload={}, due_at=later)
    db.session.commit()
    db.session.execute(db.update(OutboxMessage).filter_by(key=key).values(due_at=utcnow()))
    db.session.commit()
    return db.session.execute(db.select(OutboxMessage).filter_by(key=key)).scalar_one()


def test_a_worker_whose_lease_ran_out_cannot_mark_a_row_another_worker_claimed(ctx):
    first = delivery.claim(_queued_row("fence:1").id)
    assert first is not None
    # The lease runs out and a second worker claims the row (a newer lease).
    db.session.execute(
        db.update(OutboxMessage)
        .where(OutboxMessage.id == first.id)
        .values(locked_until=utcnow() + timedelta(minutes=5), attempts=2)
        .execution_options(synchronize_session=False)  # ``first`` keeps the first worker's lease
    )

    assert first.mark_sent() is False
    db.session.commit()
    db.session.expire_all()
    row = db.session.get(OutboxMessage, first.id)
    assert row.status == OutboxStatus.PENDING and row.sent_at is None


def test_only_finished_rows_can_be_queued_again(ctx):
    row = _queued_row("retry:1")
    assert row.retry_now() is False  # still pending
    row.status = OutboxStatus.FAILED
    assert row.retry_now() is True
    assert (row.status, row.attempts, row.dispatched_at) == (OutboxStatus.PENDING, 0, None)


def test_after_commit_work_runs_once_after_the_commit_and_never_after_a_rollback(ctx):
    calls = []
    call_after_commit(db.session, calls.append, "rolled back")
    db.session.rollback()
    db.session.commit()
    assert calls == []

    call_after_commit(db.session, calls.append, "committed")
    assert calls == []
    db.session.commit()
    db.session.commit()
    assert calls == ["committed"]
