"""The harness end to end: a mail task runs on a real worker, inside the app context, and reaches SMTP."""

from blog.extensions import db
from blog.mail.queue import queue_mail
from blog.models import OutboxMessage, User
from tests.support import wait_for


def _outbox_status(app, key):
    with app.app_context():
        return db.session.execute(db.select(OutboxMessage.status).filter_by(key=key)).scalar_one()


def test_queued_mail_is_sent_by_the_worker_and_marked_sent(app, worker, smtp_server):
    with app.app_context():
        queue_mail(
            db.session,
            key="harness:1",
            kind="test",
            recipient="Reader@Example.org",
            payload={"subject": "Harness check", "note": "from the test suite"},
        )
        db.session.commit()

    # Only this address: a welcome mail from an earlier test may still be on its way.
    [message] = smtp_server.wait_for_messages(1, to="reader@example.org")
    assert message["Subject"] == "Harness check"
    assert message["To"] == "reader@example.org"
    body = message.get_body(("plain",)).get_content()
    assert "from the test suite" in body and "http://blog.test" in body
    assert message.get_body(("html",)) is not None
    # The worker could only mark the row through the app context's database session.
    assert wait_for(lambda: _outbox_status(app, "harness:1") == "sent", message="the row marked sent")


def test_a_key_is_queued_only_once(ctx):
    first = queue_mail(db.session, key="once:1", kind="test", recipient="a@example.org", payload={})
    second = queue_mail(db.session, key="once:1", kind="test", recipient="a@example.org", payload={})
    db.session.commit()
    assert first is not None and second is None
    assert db.session.scalar(db.select(db.func.count()).select_from(OutboxMessage)) == 1


def test_new_user_gets_exactly_one_welcome_mail(app, worker, smtp_server):
    with app.app_context():
        user = User(username="newbie", email="newbie@example.org")
        user.password = "a long enough password"
        db.session.add(user)
        db.session.commit()
        user_id = user.id

    [message] = smtp_server.wait_for_messages(1, to="newbie@example.org")
    assert "newbie" in message.get_body(("plain",)).get_content()
    wait_for(lambda: _outbox_status(app, f"welcome:{user_id}") == "sent", message="welcome marked sent")
    assert len(smtp_server.to("newbie@example.org")) == 1


def test_rolled_back_user_gets_no_mail(app, worker, smtp_server):
    with app.app_context():
        db.session.add(User(username="ghost", email="ghost@example.org"))
        db.session.flush()  # the after_insert event runs and queues the mail ...
        db.session.rollback()  # ... and the rollback takes it back
        assert db.session.scalar(db.select(db.func.count()).select_from(OutboxMessage)) == 0
        # A later commit of other work must not send the forgotten mail either.
        queue_mail(db.session, key="marker", kind="test", recipient="marker@example.org", payload={})
        db.session.commit()

    smtp_server.wait_for_messages(1, to="marker@example.org")
    assert smtp_server.to("ghost@example.org") == []
