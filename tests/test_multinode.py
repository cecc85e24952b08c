"""Several web and worker nodes on one database and broker: what one writes, all see; mail goes once.

On the embedded defaults this runs two gunicorn servers and two Celery workers on
one SQLite file; in CI the same test runs on PostgreSQL with Redis and with RabbitMQ.
"""

import urllib.request

import pytest

from blog.extensions import db
from blog.mail.queue import queue_mail
from blog.models import OutboxMessage
from tests.support import Gunicorn, wait_for


def _get(url):
    try:
        with urllib.request.urlopen(url, timeout=3) as response:
            return response.read().decode()
    except OSError:
        return None


@pytest.fixture
def web_nodes(test_env, app, instance_dir):
    """Two gunicorn 'nodes' with two workers each, serving the test database."""
    nodes = [Gunicorn(test_env, 2, str(instance_dir / f"node-{n}.log")) for n in range(2)]
    try:
        yield [node.wait_ready().url for node in nodes]
    finally:
        for node in nodes:
            node.stop()


@pytest.mark.slow
def test_every_web_node_serves_what_was_just_published(web_nodes, make_post):
    for url in web_nodes:
        assert "Nothing published yet" in _get(f"{url}/")
    make_post("Published on one node")
    for url in web_nodes:
        for _ in range(4):  # several requests, to reach each gunicorn worker of the node
            assert "Published on one node" in _get(f"{url}/")


@pytest.mark.slow
def test_two_worker_nodes_share_the_mail_and_send_each_once(app, start_worker, smtp_server):
    first, second = start_worker("node-a"), start_worker("node-b")
    count = 30
    with app.app_context():
        for n in range(count):
            queue_mail(
                db.session,
                key=f"multi:{n}",
                kind="test",
                recipient=f"reader{n}@example.org",
                payload={"subject": f"Mail {n}"},
            )
        db.session.commit()

    smtp_server.wait_for_messages(count, timeout=60)

    def all_sent():
        with app.app_context():
            return (
                db.session.scalar(
                    db.select(db.func.count()).select_from(OutboxMessage).where(OutboxMessage.status == "sent")
                )
                == count
            )

    wait_for(all_sent, 30, message="every row marked sent")
    recipients = sorted(str(m["To"]) for m in smtp_server.messages)
    assert recipients == sorted(f"reader{n}@example.org" for n in range(count)), "each mail exactly once"
    handled = [log.count("deliver_mail[") for log in (first.full_log(), second.full_log())]
    assert all(h > 0 for h in handled), f"both worker nodes should take work, got {handled}"
