"""``manage.py backup`` while a writer posts, and ``restore`` into a fresh instance (refusing to overwrite content)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.support import PROJECT_ROOT

pytestmark = pytest.mark.slow


def _manage(env, *args):
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=120
    )


class Writer(threading.Thread):
    """Registers a user, who writes a post and comments on it, one transaction at a time, until stopped."""

    def __init__(self, app):
        super().__init__(daemon=True)
        self.app, self.stop, self.committed, self.error = app, threading.Event(), [], None

    def run(self):
        from blog.extensions import db
        from blog.models import Comment, Post, User

        try:
            with self.app.app_context():
                for n in range(10_000):
                    if self.stop.is_set():
                        return
                    user = User(username=f"writer{n}", email=f"writer{n}@example.org")
                    user.password = "correct horse battery"
                    user.add_role("author")
                    post = Post(title=f"Post {n}", author=user)
                    post.set_body("Body")
                    post.assign_slug()
                    post.publish()
                    comment = Comment(post=post, author=user)
                    comment.set_body("First!")
                    db.session.add_all([user, post, comment])
                    db.session.commit()
                    self.committed.append(user.username)
        except Exception as error:  # reported by the test
            self.error = error


@pytest.fixture
def fresh_database(test_env, tmp_path):
    """An empty database of the suite's kind for the restored instance."""
    url = test_env["DATABASE_URL"]
    if not url.startswith("postgres"):
        yield f"sqlite:///{tmp_path}/restored/blog.db"
        return
    server = make_url(url.replace("postgresql://", "postgresql+psycopg://", 1))
    name = f"{server.database}_restored_{uuid.uuid4().hex[:6]}"  # several runs may share the server
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield server.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _rows(url):
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect() as connection:
        users = set(connection.execute(text("SELECT username FROM users")).scalars())
        orphans = connection.execute(
            text(
                "SELECT count(*) FROM comments c LEFT JOIN posts p ON p.id = c.post_id"
                " LEFT JOIN users u ON u.id = p.author_id WHERE p.id IS NULL OR u.id IS NULL"
            )
        ).scalar()
        welcomes = set(connection.execute(text("SELECT key FROM outbox WHERE key LIKE 'welcome:%'")).scalars())
        user_ids = {f"welcome:{i}" for i in connection.execute(text("SELECT id FROM users")).scalars()}
    engine.dispose()
    return users, orphans, welcomes, user_ids


def test_backup_while_writing_then_restore_into_a_fresh_instance(app, test_env, tmp_path, fresh_database):
    uploads = os.path.join(test_env["BLOG_INSTANCE_PATH"], "uploads")
    os.makedirs(uploads, exist_ok=True)
    with open(os.path.join(uploads, "picture.txt"), "w") as file:
        file.write("an uploaded file")
    writer = Writer(app)
    writer.start()
    try:
        while len(writer.committed) < 20 and writer.is_alive():
            writer.stop.wait(0.05)
        before = list(writer.committed)
        result = _manage(test_env, "backup", "--to", str(tmp_path / "backup"))
        during = len(writer.committed) - len(before)
    finally:
        writer.stop.set()
        writer.join(30)
        os.remove(os.path.join(uploads, "picture.txt"))
    assert writer.error is None, writer.error
    assert result.returncode == 0 and str(tmp_path / "backup") in result.stdout, result.stderr
    assert during > 0, "the writer must have committed while the backup ran"

    fresh = {**test_env, "BLOG_INSTANCE_PATH": str(tmp_path / "fresh"), "DATABASE_URL": fresh_database}
    restored = _manage(fresh, "restore", str(tmp_path / "backup"))
    assert restored.returncode == 0, restored.stderr
    users, orphans, welcomes, user_ids = _rows(fresh_database)
    assert set(before) <= users, "a user committed before the backup is missing"
    assert users <= set(writer.committed) | {"nobody"}, "the backup holds rows that were never committed"
    assert orphans == 0 and welcomes == user_ids  # one snapshot: every row's partners are there
    assert (tmp_path / "fresh" / "uploads" / "picture.txt").read_text() == "an uploaded file"

    again = _manage(fresh, "restore", str(tmp_path / "backup"))
    assert again.returncode != 0 and "--force" in again.stderr and "Traceback" not in again.stderr
    assert _manage(fresh, "restore", "--force", str(tmp_path / "backup")).returncode == 0
