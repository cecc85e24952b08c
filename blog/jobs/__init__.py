"""Background jobs: Celery bound to the app, the e-mail outbox and the periodic sweeps."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Bind Celery to ``app``, dispatch queued mail after each commit, and mount the jobs' pages."""
    from blog import digest, notifications, reminders
    from blog.jobs import outbox
    from blog.jobs.celery import make_celery

    make_celery(app)
    outbox.listen_for_commits()
    reminders.init_app(app)
    notifications.init_app(app)
    digest.init_app(app)
    register_blueprints(app)


def register_blueprints(app: Flask) -> None:
    """Mount the pages of the jobs' features (the admin mail pages sit next to blog.admin's)."""
    from blog.api.tokens import bp as tokens_bp
    from blog.digest.views import bp as digest_bp
    from blog.jobs.views import bp as jobs_bp
    from blog.notifications.views import bp as notifications_bp
    from blog.reminders.views import bp as reminders_bp

    app.register_blueprint(jobs_bp, url_prefix="/admin")
    app.register_blueprint(reminders_bp, url_prefix="/reminders")
    app.register_blueprint(digest_bp, url_prefix="/digest")
    app.register_blueprint(notifications_bp, url_prefix="/follow")
    app.register_blueprint(tokens_bp, url_prefix="/account/tokens")
