"""Fixtures over real parts: a real database, a real SMTP server on loopback, a real Celery worker.

Choose the real services with environment variables (CI does):

* ``BLOG_TEST_DATABASE_URL`` — e.g. ``postgresql://postgres@127.0.0.1:5432/test``; default: a SQLite file.
* ``BLOG_TEST_BROKER_URL`` — e.g. ``redis://127.0.0.1:6379/5`` or ``amqp://guest:guest@127.0.0.1:5672//``;
  default: the embedded SQLite broker (kombu's SQLAlchemy transport).
"""

from __future__ import annotations

import os
import time
import uuid

import pytest
from sqlalchemy import text

from tests.support import SMTPServer, WorkerProcess, free_port, wait_for

SESSION_TAG = uuid.uuid4().hex[:8]


@pytest.fixture(scope="session")
def instance_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("instance")


@pytest.fixture(scope="session")
def smtp_server():
    """A real SMTP server on 127.0.0.1; tests read ``smtp_server.messages``."""
    server = SMTPServer(port=free_port()).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def test_env(instance_dir, smtp_server):
    """The environment shared by this process's app and the worker processes."""
    database_url = os.environ.get("BLOG_TEST_DATABASE_URL") or f"sqlite:///{instance_dir}/blog.db"
    broker_url = os.environ.get("BLOG_TEST_BROKER_URL") or f"sqla+sqlite:///{instance_dir}/broker.db"
    values = {
        "BLOG_ENV": "test",
        "BLOG_INSTANCE_PATH": str(instance_dir),
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": broker_url,
        "CELERY_RESULT_BACKEND": f"db+sqlite:///{instance_dir}/results.db",
        "CELERY_DEFAULT_QUEUE": f"blog-test-{SESSION_TAG}",
        "MAIL_BACKEND": "smtp",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(smtp_server.port),
        "JOBS_SWEEP_SECONDS": "1",
    }
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    yield dict(os.environ)
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture(scope="session")
def app(test_env):
    """The app under test, on a database upgraded to the migrations' head."""
    from flask_migrate import upgrade

    from blog import create_app
    from blog.extensions import db

    app = create_app("test")
    with app.app_context():
        _reset_database(db)
        upgrade()
    _reset_broker(app)
    yield app
    with app.app_context():
        db.engine.dispose()


def _reset_database(db) -> None:
    """Start from an empty database (PostgreSQL's test database outlives runs)."""
    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))


def _reset_broker(app) -> None:
    url = app.config["CELERY_BROKER_URL"]
    if url.startswith("redis://"):
        import redis

        redis.Redis.from_url(url).flushdb()
    elif url.startswith("amqp://"):
        app.extensions["celery"].control.purge()


@pytest.fixture(autouse=True)
def _fresh_rows(request, app, smtp_server):
    """Every test starts with empty tables (plus the built-in roles) and an empty SMTP inbox."""
    from blog.extensions import db
    from blog.models import Role

    with app.app_context():
        _empty_tables(db)
        Role.ensure_defaults()
        db.session.commit()
    smtp_server.clear()
    yield


def _empty_tables(db, tries: int = 5) -> None:
    """Empty every table; a worker still finishing the last test's task may deadlock the TRUNCATE: try again."""
    from sqlalchemy.exc import OperationalError

    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    for attempt in range(tries):
        try:
            if db.engine.dialect.name == "postgresql":
                db.session.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
            else:
                for table in tables:
                    db.session.execute(text(f"DELETE FROM {table}"))
            return
        except OperationalError:
            db.session.rollback()
            if attempt == tries - 1:
                raise
            time.sleep(0.2 * (attempt + 1))


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def ctx(app):
    """An app context for tests that use the database directly (not around client requests)."""
    with app.app_context() as context:
        yield context


@pytest.fixture(scope="session")
def worker(test_env, app, instance_dir):
    """A real Celery worker process consuming from the test broker, shared by the session."""
    process = WorkerProcess(test_env, str(instance_dir / "worker.log"), f"w-{SESSION_TAG}").start()
    yield process
    process.stop()


@pytest.fixture
def start_worker(test_env, app, instance_dir):
    """Start extra workers (e.g. to kill one); they are stopped after the test."""
    started = []

    def start(name: str | None = None, **options) -> WorkerProcess:
        name = name or f"x{len(started)}-{SESSION_TAG}"
        process = WorkerProcess(test_env, str(instance_dir / f"{name}.log"), name, **options).start()
        started.append(process)
        return process

    yield start
    for process in started:
        process.stop()


@pytest.fixture
def make_user(app):
    """Create a user; returns it detached, with its id and columns loaded."""
    from blog.extensions import db
    from blog.models import User, utcnow

    counter = iter(range(1, 10_000))

    def make(
        username: str | None = None,
        *,
        roles=("reader",),
        password: str = "correct horse battery",
        email: str | None = None,
        **fields,
    ) -> User:
        n = next(counter)
        username = username or f"user{n}"
        # Verified by default, so tests of other features keep their meaning; pass email_verified_at=None.
        fields.setdefault("email_verified_at", utcnow())
        with app.app_context():
            user = User(username=username, email=email or f"{username}@example.org", **fields)
            user.password = password
            for role in roles:
                user.add_role(role)
            db.session.add(user)
            db.session.commit()
            db.session.refresh(user)
            db.session.expunge(user)
        return user

    return make


@pytest.fixture
def make_post(app, make_user):
    """Create a post (published by default) with tags; returns it detached."""
    from blog.extensions import db
    from blog.models import Post, Tag, User

    def make(
        title: str = "A post",
        *,
        author: User | None = None,
        body: str = "Some *Markdown* text.",
        tags=(),
        status: str = "published",
        publish_at=None,
    ) -> Post:
        author = author or make_user(roles=("author", "reader"))
        with app.app_context():
            post = Post(title=title, author_id=author.id, tags=Tag.from_names(tags))
            post.set_body(body)
            post.assign_slug()
            if status == "published":
                post.publish(publish_at)
            elif status == "scheduled":
                post.schedule(publish_at)
            db.session.add(post)
            db.session.commit()
            db.session.refresh(post)
            db.session.expunge(post)
        return post

    return make


@pytest.fixture
def make_comment(app, make_user):
    """Create a visible comment on ``post``; returns it detached."""
    from blog.extensions import db
    from blog.models import Comment

    def make(post, *, author=None, body: str = "Nice post!") -> Comment:
        author = author or make_user()
        with app.app_context():
            comment = Comment(post_id=post.id, author_id=author.id)
            comment.set_body(body)
            db.session.add(comment)
            db.session.commit()
            db.session.refresh(comment)
            db.session.expunge(comment)
        return comment

    return make


__all__ = ["wait_for"]


class LoginHelper:
    """Log a test client in as a user without going through the login form."""

    def __init__(self, client):
        self.client = client

    def as_user(self, user) -> None:
        with self.client.session_transaction() as session:
            session["_user_id"] = user.get_id()
            session["_fresh"] = True

    def logout(self) -> None:
        with self.client.session_transaction() as session:
            session.clear()


@pytest.fixture
def login(client):
    """``login.as_user(user)`` logs ``client`` in; ``login.logout()`` logs it out."""
    return LoginHelper(client)


# --- accounts fixtures ---


@pytest.fixture(autouse=True)
def _fresh_rate_limits(app):
    """Every test starts with no rate-limit counters (they live in memory, shared by the session's app)."""
    from blog.extensions import limiter

    with app.app_context():
        limiter.reset()
    yield


@pytest.fixture
def config_override(app):
    """``config_override(KEY=value, ...)`` changes the app's config for one test."""
    saved: dict = {}
    missing = object()

    def override(**values):
        for key, value in values.items():
            saved.setdefault(key, app.config.get(key, missing))
            app.config[key] = value

    yield override
    for key, value in saved.items():
        if value is missing:
            app.config.pop(key, None)
        else:
            app.config[key] = value


@pytest.fixture
def csrf_client(app, config_override):
    """A client of the app with CSRF protection on, as in production."""
    config_override(WTF_CSRF_ENABLED=True)
    return app.test_client()


@pytest.fixture(scope="session")
def oidc_provider():
    """A real OpenID Connect provider (Authlib's server side) on a loopback port."""
    from tests.oidc_provider import Provider

    provider = Provider().start()
    yield provider
    provider.stop()


@pytest.fixture
def oidc(oidc_provider, config_override):
    """The app configured with the loopback provider as ``oidc``; returns the provider."""
    from tests.oidc_provider import CLIENT_ID, CLIENT_SECRET

    oidc_provider.reset()
    config_override(
        OAUTH_PROVIDERS="oidc",
        OIDC_CLIENT_ID=CLIENT_ID,
        OIDC_CLIENT_SECRET=CLIENT_SECRET,
        OIDC_SERVER_METADATA_URL=oidc_provider.metadata_url,
        OIDC_LABEL="Loopback SSO",
    )
    return oidc_provider


@pytest.fixture
def live_server(app):
    """The app served over HTTP on a loopback port in a thread; yields its base URL.

    ``BLOG_BASE_URL`` points at it meanwhile, since OAuth callbacks and mailed links are built from it.
    """
    import threading

    from werkzeug.serving import make_server

    port = free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base_url, saved = f"http://127.0.0.1:{port}", app.config["BLOG_BASE_URL"]
    app.config["BLOG_BASE_URL"] = base_url
    yield base_url
    app.config["BLOG_BASE_URL"] = saved
    server.shutdown()
    thread.join(5)


# --- read fixtures ---


@pytest.fixture(autouse=True)
def _empty_page_cache(app):
    """Each test starts with no cached pages (the tables were just emptied behind the cache's back)."""
    from blog.main import views

    app.extensions["page_cache"].clear()
    views._sidebar_memo.clear()
    yield


@pytest.fixture
def count_queries(app):
    """``with count_queries() as statements:`` records the SQL statements run inside the block."""
    from contextlib import contextmanager

    from sqlalchemy import event

    from blog.extensions import db

    @contextmanager
    def counting():
        statements: list[str] = []

        def record(_conn, _cursor, statement, *_args):
            statements.append(statement)

        with app.app_context():
            engine = db.engine
        event.listen(engine, "before_cursor_execute", record)
        try:
            yield statements
        finally:
            event.remove(engine, "before_cursor_execute", record)

    return counting


# --- jobs fixtures ---


@pytest.fixture(scope="module")
def beat(test_env, app, instance_dir):
    """One celery beat scheduling the periodic sweeps (every second in tests) for a module's tests."""
    from tests.support import BeatProcess

    name = f"beat-{uuid.uuid4().hex[:6]}"
    process = BeatProcess(test_env, str(instance_dir / f"{name}.log"), str(instance_dir / f"{name}-schedule")).start()
    yield process
    process.stop()
    time.sleep(1.5)  # let the worker drain the sweeps beat already queued, so later modules see none
