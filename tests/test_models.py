"""Rules the models own: passwords, slugs, tags, publishing, sessions."""

from datetime import timedelta

import pytest

from blog.extensions import db
from blog.models import Post, Role, Tag, User, utcnow


def test_password_is_hashed_with_bcrypt_and_checked(ctx):
    user = User(username="pw", email="pw@example.org")
    user.password = "correct horse battery"
    assert user.password_hash.startswith("$2") and "correct" not in user.password_hash
    assert user.check_password("correct horse battery")
    assert not user.check_password("wrong horse battery")
    with pytest.raises(AttributeError):
        _ = user.password


def test_passwords_longer_than_72_bytes_are_not_truncated(ctx):
    user = User(username="long", email="long@example.org")
    user.password = "x" * 80
    assert user.check_password("x" * 80)
    assert not user.check_password("x" * 72), "bcrypt alone would accept the 72-byte prefix"


def test_email_is_stored_lower_case_and_login_finds_either(ctx, make_user):
    make_user("Alice", email="Alice@Example.ORG")
    assert User.find_by_login("alice").email == "alice@example.org"
    assert User.find_by_login("ALICE@example.org").username == "Alice"
    assert User.username_taken("aLiCe") and User.email_taken("alice@EXAMPLE.org")


def test_usernames_are_unique_whatever_their_case(ctx, make_user):
    make_user("Bob")
    db.session.add(User(username="bob", email="other@example.org"))
    with pytest.raises(Exception, match="(?i)unique|duplicate"):
        db.session.commit()
    db.session.rollback()


def test_session_version_changes_the_login_id(ctx, make_user):
    user = db.session.merge(make_user())
    before = user.get_id()
    user.end_all_sessions()
    assert user.get_id() != before and user.get_id().startswith(f"{user.id}:")


def test_roles_are_seeded_and_granted(ctx, make_user):
    assert sorted(r.name for r in db.session.execute(db.select(Role)).scalars()) == [
        "admin",
        "author",
        "editor",
        "reader",
    ]
    user = db.session.merge(make_user(roles=("reader",)))
    assert user.add_role("author") and not user.add_role("author")
    assert user.remove_role("reader") and [r.name for r in user.roles] == ["author"]
    with pytest.raises(LookupError):
        user.add_role("emperor")


def _post(title, author_id):
    post = Post(title=title, author_id=author_id)
    post.set_body("text")
    post.assign_slug()
    db.session.add(post)
    db.session.flush()
    return post


def test_slugs_are_unique_and_readable(ctx, make_user):
    author = make_user(roles=("author",))
    first = _post("Hello, World!", author.id)
    second = _post("Hello World", author.id)
    assert first.slug == "hello-world" and second.slug == "hello-world-2"


def test_unicode_titles_give_usable_slugs(ctx, make_user):
    author = make_user(roles=("author",))
    post = _post("用 Flask 来写个轻博客", author.id)
    assert post.slug.isascii() and post.slug.startswith("yong-flask") and " " not in post.slug
    assert _post("!!!", author.id).slug == "post"


def test_renamed_post_keeps_its_old_url(ctx, make_user):
    author = make_user(roles=("author",))
    post = _post("Old title", author.id)
    post.title = "New title"
    post.assign_slug()
    db.session.commit()
    assert post.slug == "new-title"
    assert Post.by_slug("old-title").id == post.id
    assert _post("Old title", author.id).slug == "old-title-2", "an old slug is not handed out again"


def test_tags_are_normalised_and_not_duplicated(ctx):
    tags = Tag.from_names(["Flask", " flask ", "Background Jobs", ""])
    assert [t.name for t in tags] == ["flask", "background-jobs"]
    db.session.commit()
    assert [t.id for t in Tag.from_names(["FLASK"])] == [tags[0].id]


def test_publish_and_schedule(ctx, make_user):
    author = make_user(roles=("author",))
    post = _post("Later", author.id)
    with pytest.raises(ValueError):
        post.schedule(utcnow() - timedelta(minutes=1))
    post.schedule(utcnow() + timedelta(hours=1))
    assert post.status == "scheduled" and not post.is_public
    post.publish()
    assert post.status == "published" and post.is_public
    assert post.publish_at <= utcnow()


def test_body_is_rendered_and_sanitised(ctx, make_user):
    post = _post("Safe", make_user(roles=("author",)).id)
    post.set_body("**bold** <script>alert(1)</script> [x](javascript:alert(1))")
    assert "<strong>bold</strong>" in post.body_html
    assert "<script" not in post.body_html and 'href="javascript' not in post.body_html
    assert post.summary.startswith("bold")


def test_timestamps_are_timezone_aware_utc(ctx, make_user):
    user = db.session.get(User, make_user().id)
    db.session.expire_all()
    assert user.created_at.tzinfo is not None and user.created_at.utcoffset() == timedelta(0)
