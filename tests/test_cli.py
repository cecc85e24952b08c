"""``manage.py`` commands: help, create-admin and seed."""

import subprocess
import sys

import pytest

from blog.extensions import db
from blog.models import Comment, Post, Tag, User
from tests.support import PROJECT_ROOT


def test_help_lists_the_commands():
    result = subprocess.run(
        [sys.executable, "manage.py", "--help"], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0
    for command in ("run", "db", "shell", "create-admin", "seed", "routes"):
        assert f"  {command} " in result.stdout, f"{command} missing from:\n{result.stdout}"


def test_create_admin_with_flags(app):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["create-admin", "--username", "root", "--email", "Root@Example.org", "--password", "a very long password"]
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = User.find_by_login("root@example.org")
        assert user is not None and user.has_role("admin") and user.check_password("a very long password")


def test_create_admin_prompts_for_missing_flags(app):
    result = app.test_cli_runner().invoke(
        args=["create-admin", "--username", "prompted"], input="p@example.org\nlong enough pass\nlong enough pass\n"
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert User.find_by_login("prompted").email == "p@example.org"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--username", "a", "--email", "not-an-address", "--password", "long enough pass"], "invalid e-mail"),
        (["--username", "a", "--email", "a@example.org", "--password", "short"], "at least 10"),
        # The same policy as the registration form, not only a length.
        (["--username", "a", "--email", "a@example.org", "--password", "1234567890"], "most common"),
        (["--username", "rootadmin", "--email", "r@example.org", "--password", "rootadmin"], "at least 10"),
        (["--username", "rootadmin1", "--email", "r@example.org", "--password", "rootadmin1"], "username"),
    ],
)
def test_create_admin_rejects_bad_input(app, args, message):
    result = app.test_cli_runner().invoke(args=["create-admin", *args])
    assert result.exit_code != 0
    assert message in result.output
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(User)) == 0


def test_create_admin_refuses_a_taken_username(app, make_user):
    make_user("Taken")
    result = app.test_cli_runner().invoke(
        args=["create-admin", "--username", "taken", "--email", "t@example.org", "--password", "long enough pass"]
    )
    assert result.exit_code != 0 and "taken" in result.output


def test_seed_creates_tagged_markdown_posts_with_comments(app):
    result = app.test_cli_runner().invoke(
        args=["seed", "--posts", "300", "--users", "5", "--comments", "200", "--random-seed", "7"]
    )
    assert result.exit_code == 0, result.output
    assert "Seeded 5 users, 300 posts" in result.output
    with app.app_context():
        count = lambda model: db.session.scalar(db.select(db.func.count()).select_from(model))  # noqa: E731
        assert count(Post) == 300 and count(Comment) == 200 and count(Tag) > 10
        post = db.session.execute(db.select(Post).where(Post.status == "published").limit(1)).scalar_one()
        assert post.tags and "<p>" in post.body_html and post.summary
        slugs = db.session.execute(db.select(Post.slug)).scalars().all()
        assert len(set(slugs)) == len(slugs)
    # Seeding twice adds to what is there instead of failing on taken ids or slugs.
    again = app.test_cli_runner().invoke(args=["seed", "--posts", "50", "--users", "2", "--comments", "0"])
    assert again.exit_code == 0, again.output
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Post)) == 350
