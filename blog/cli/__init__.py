"""Commands of ``manage.py`` (and ``flask``), one module per area."""

from flask import Flask


def init_app(app: Flask) -> None:
    from blog.cli.jobs import check_command, mail_test_command, send_digest_command
    from blog.cli.search import search_group
    from blog.cli.seed import seed_command
    from blog.cli.users import create_admin_command

    app.cli.add_command(create_admin_command)
    app.cli.add_command(seed_command)
    app.cli.add_command(search_group)
    app.cli.add_command(send_digest_command)
    app.cli.add_command(mail_test_command)
    app.cli.add_command(check_command)
