"""The e-mail digest: subscribers get the period's published posts, daily or weekly."""

from flask import Flask

from blog.digest import cli, services
from blog.mail.kinds import register_kind


def init_app(app: Flask) -> None:
    """Declare the digest mail (its posts looked up when sent) and add ``send-digest``."""
    register_kind(services.KIND, context=services.digest_context)
    app.cli.add_command(cli.send_digest_command)
    app.jinja_env.filters["masked_address"] = services.masked_address
