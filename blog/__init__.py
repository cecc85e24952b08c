"""The blog's application factory."""

from __future__ import annotations

import logging
import os

from flask import Flask

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
    configure_logging(app)
    register_extensions(app)
    register_jobs(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_template_helpers(app)
    register_commands(app)
    register_middleware(app)
    return app


def configure_logging(app: Flask) -> None:
    """Log the blog's own messages to stderr at ``LOG_LEVEL``; libraries only warn."""
    level = app.config["LOG_LEVEL"].upper()
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("blog").setLevel(level)
    app.logger.setLevel(level)


def register_extensions(app: Flask) -> None:
    """Bind the extensions created in ``blog.extensions`` to this app."""
    from blog import auth, database, permissions
    from blog.extensions import bcrypt, csrf, db, limiter, login_manager, mail, migrate, oauth, principal

    db.init_app(app)
    database.init_app(app)
    migrate.init_app(app, db, directory=f"{PROJECT_ROOT}/migrations", render_as_batch=True)
    csrf.init_app(app)
    bcrypt.init_app(app)
    login_manager.init_app(app)
    auth.init_app(app)
    principal.init_app(app)
    permissions.init_app(app)
    mail.init_app(app)
    oauth.init_app(app)
    limiter.init_app(app)


def register_jobs(app: Flask) -> None:
    """Bind Celery (the design's ContextTask) and the mail outbox."""
    from blog import jobs

    jobs.init_app(app)


def register_blueprints(app: Flask) -> None:
    """Mount one blueprint per area of the product."""
    from blog.admin.views import bp as admin_bp
    from blog.api.views import bp as api_bp
    from blog.auth.views import bp as auth_bp
    from blog.health.views import bp as health_bp
    from blog.main.views import bp as main_bp
    from blog.posts.views import bp as posts_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(posts_bp)
    app.register_blueprint(auth_bp, url_prefix="/auth")
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(api_bp, url_prefix="/api")
    app.register_blueprint(health_bp)


def register_errorhandlers(app: Flask) -> None:
    """Answer errors with a page in the site's layout, or JSON to JSON clients."""
    from blog import errors

    errors.init_app(app)


def register_template_helpers(app: Flask) -> None:
    """Hashed static URLs, gzip copies of static files, and the filters templates use."""
    from blog import static, templating

    templating.init_app(app)
    static.init_app(app)


def register_commands(app: Flask) -> None:
    """Add the project's commands to ``flask``/``manage.py``."""
    from blog import cli

    cli.init_app(app)


def register_middleware(app: Flask) -> None:
    """Trust ``BLOG_PROXY_COUNT`` proxies' ``X-Forwarded-*`` headers; outermost, so every layer sees the client."""
    from blog import proxy

    proxy.init_app(app)
