"""Accounts: registration, login, sessions, password reset, OAuth and the web's security headers."""

from flask import Flask, g


def init_app(app: Flask) -> None:
    """Load users from sessions, mail new users, add security headers, OAuth settings and ``unlock``."""
    from blog import permissions
    from blog.auth import events, login, oauth, security, services, sessions, verification
    from blog.auth.cli import unlock_command
    from blog.mail.kinds import register_kind

    register_kind(events.WELCOME_KIND)
    register_kind(services.RESET_KIND)
    register_kind(verification.CONFIRM_KIND)
    register_kind(verification.CHANGE_NOTICE_KIND)
    register_kind(login.GUESSING_KIND)
    register_kind(login.LOGIN_LINK_KIND)
    sessions.init_app(app)
    events.listen()
    security.init_app(app)
    oauth.init_app(app)
    app.cli.add_command(unlock_command)
    app.jinja_env.globals.update(
        may_admin=_may(permissions.admin_permission),
        may_moderate=_may(permissions.moderate_permission),
        oauth_providers=oauth.configured,
    )


def _may(permission):
    """A template test of ``permission``; False on pages rendered before the identity is known (early errors)."""
    return lambda: g.get("identity") is not None and permission.can()
