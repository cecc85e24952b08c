"""The blog's application factory: the one table of contents of the app.

Every extension, area, blueprint, middleware, error handler and command is
listed below; nothing registers itself because a module was imported.
"""

from __future__ import annotations

import os

from flask import Flask

from blog import (
    admin,
    after_commit,
    announcements,
    auth,
    cli,
    database,
    digest,
    errors,
    jobs,
    logs,
    mail,
    main,
    metrics,
    notifications,
    pages,
    permissions,
    posts,
    proxy,
    reminders,
    request_ids,
    static,
    templating,
)
from blog.admin.views import bp as admin_bp
from blog.announcements.views import bp as announcements_bp
from blog.api.tokens import bp as api_tokens_bp
from blog.api.views import bp as api_bp
from blog.archive.views import bp as archive_bp
from blog.auth.views import bp as auth_bp
from blog.digest.views import bp as digest_bp
from blog.extensions import bcrypt, csrf, db, limiter, login_manager, migrate, principal
from blog.extensions import mail as flask_mail
from blog.health.views import bp as health_bp
from blog.mail.views import bp as mail_bp
from blog.main.cache import CachedPagesMiddleware
from blog.main.views import bp as main_bp
from blog.notifications.views import bp as notifications_bp
from blog.pages.views import bp as pages_bp
from blog.posts.views import bp as posts_bp
from blog.reminders.views import bp as reminders_bp
from blog.request_ids import RequestIdMiddleware
from blog.revisions.views import bp as revisions_bp
from config import load_config

PROJECT_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def create_app(config_name: str | None = None) -> Flask:
    """Build the Flask app for ``config_name`` (dev, test or prod; default ``$BLOG_ENV``)."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=f"{PROJECT_ROOT}/templates",
        static_folder=f"{PROJECT_ROOT}/static",
        # Tests and operators may keep the instance folder (SQLite files, mailbox) elsewhere.
        instance_path=os.environ.get("BLOG_INSTANCE_PATH") or f"{PROJECT_ROOT}/instance",
    )
    load_config(app, config_name)
    logs.configure_logging(app)
    register_extensions(app)
    register_areas(app)
    register_blueprints(app)
    register_middleware(app)
    register_errorhandlers(app)
    register_commands(app)
    return app


def register_extensions(app: Flask) -> None:
    """Bind the extensions created in ``blog.extensions`` to this app."""
    db.init_app(app)
    database.init_app(app)
    migrate.init_app(app, db, directory=f"{PROJECT_ROOT}/migrations", render_as_batch=True)
    csrf.init_app(app)
    bcrypt.init_app(app)
    login_manager.init_app(app)
    principal.init_app(app)
    permissions.init_app(app)
    flask_mail.init_app(app)
    limiter.init_app(app)


def register_areas(app: Flask) -> None:
    """Let each area register its hooks, mail kinds, mapper events and template helpers."""
    after_commit.init_app(app)  # run after-commit work (mail hand-over, scheduled publishing)
    jobs.init_app(app)  # Celery bound to the app: make_celery's ContextTask
    request_ids.init_app(app)  # a request's id travels into the tasks it causes
    metrics.init_app(app)  # requests named by endpoint for /metrics
    mail.init_app(app)  # the outbox's own kinds and the failure alarm
    templating.init_app(app)  # hashed static URLs and time filters
    static.init_app(app)  # gzip copies of static files, compress-static
    main.init_app(app)  # the page cache's store and invalidation
    posts.init_app(app)  # link-preview and search-engine tags of the post page
    pages.init_app(app)  # static pages in the navigation
    auth.init_app(app)  # sessions, security headers, OAuth; welcome and reset mail
    admin.init_app(app)  # the author-request decision mail
    reminders.init_app(app)  # reminder mail from new Reminder rows
    notifications.init_app(app)  # comment notices from new Comment rows, follower mail
    digest.init_app(app)  # the daily and weekly digest
    announcements.init_app(app)  # one message to many readers


def register_blueprints(app: Flask) -> None:
    """Mount one blueprint per area of the product."""
    app.register_blueprint(main_bp)
    app.register_blueprint(posts_bp)
    app.register_blueprint(archive_bp)
    app.register_blueprint(pages_bp)
    app.register_blueprint(revisions_bp)
    app.register_blueprint(auth_bp, url_prefix="/auth")
    app.register_blueprint(api_tokens_bp, url_prefix="/account/tokens")
    app.register_blueprint(reminders_bp, url_prefix="/reminders")
    app.register_blueprint(notifications_bp, url_prefix="/follow")
    app.register_blueprint(digest_bp, url_prefix="/digest")
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(mail_bp, url_prefix="/admin/mail")
    app.register_blueprint(announcements_bp, url_prefix="/admin/announcements")
    app.register_blueprint(api_bp, url_prefix="/api")
    app.register_blueprint(metrics.bp)
    app.register_blueprint(health_bp)


def register_middleware(app: Flask) -> None:
    """Wrap the WSGI app; the last one listed sees a request first."""
    # Cookie-less readers get cached pages before Flask runs.
    app.wsgi_app = CachedPagesMiddleware(app, app.wsgi_app)  # type: ignore[method-assign]
    # Every request, cached or not, gets an id, an access-log line and its metrics.
    trust_proxy = app.config["BLOG_PROXY_COUNT"] > 0
    app.wsgi_app = RequestIdMiddleware(  # type: ignore[method-assign]
        app.wsgi_app, trust_incoming=trust_proxy, observers=(metrics.observe_request,)
    )
    # Outermost: BLOG_PROXY_COUNT proxies' X-Forwarded-* headers are believed, so every layer sees the client.
    proxy.init_app(app)


def register_errorhandlers(app: Flask) -> None:
    """Answer errors with a page in the site's layout, or JSON to JSON clients."""
    errors.init_app(app)


def register_commands(app: Flask) -> None:
    """Add the blog-wide commands to ``flask``/``manage.py`` (areas add their own in ``init_app``)."""
    cli.init_app(app)
