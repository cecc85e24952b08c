"""E-mail: queued in the writer's transaction (``queue``), handed to the broker after the commit
(``dispatch``), sent with a lease and sorted by the server's answer (``delivery``), with alarms for
mail that failed for good. Areas declare their kinds of mail with ``kinds.register_kind``.
"""

from __future__ import annotations

from celery.signals import task_failure
from flask import Flask

from blog.mail import alarms, cli
from blog.mail.kinds import register_kind
from blog.mail.messages import defang


def init_app(app: Flask) -> None:
    """Declare the mail machinery's own kinds, alarm on failed tasks, and add ``mail-test``."""
    register_kind(alarms.KIND, alarm_on_failure=False)  # an alarm about a failed alarm would loop
    register_kind(cli.TEST_KIND)
    task_failure.connect(alarms.alarm_on_task_failure, weak=False, dispatch_uid="blog-failure-alarm")
    app.cli.add_command(cli.mail_test_command)
    app.jinja_env.filters["defang"] = defang  # user-written text in mail, with no clickable links
