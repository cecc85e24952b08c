"""Demo content for ``run --demo``: an admin and a few posts to look at."""

from __future__ import annotations

import secrets

from blog.extensions import db
from blog.models import Post, Role, Tag, User, utcnow

DEMO_POSTS = [
    (
        "Welcome to your new blog",
        ["meta", "flask"],
        "This blog runs on **Flask** with **Celery** for background jobs.\n\n"
        "- Write posts in Markdown\n- Schedule them for later\n- Readers get digests and reminders",
    ),
    (
        "Background jobs that never lose mail",
        ["celery", "email"],
        "Mail is written to an *outbox* in the same transaction as the change that caused it, "
        "and handed to Celery only after the commit.\n\n```python\nqueue_mail(session, key='welcome:1', ...)\n```",
    ),
    (
        "Writing in Markdown",
        ["markdown", "writing"],
        "## Headings, tables and code\n\n| feature | works |\n|---|---|\n| tables | yes |\n| code | yes |\n\n"
        "Raw HTML is not rendered, so `<script>` stays text.",
    ),
]


def create_demo() -> str:
    """Create the demo admin and posts if missing; return a line saying how to log in."""
    admin = User.find_by_login("demo")
    password = secrets.token_urlsafe(9)
    if admin is None:
        Role.ensure_defaults()
        admin = User(username="demo", email="demo@example.org", display_name="Demo Admin", email_verified_at=utcnow())
        for role in ("admin", "editor", "author", "reader"):
            admin.add_role(role)
        db.session.add(admin)
    admin.password = password
    db.session.flush()
    for title, tags, body in DEMO_POSTS:
        if db.session.execute(db.select(Post.id).filter_by(title=title)).first():
            continue
        post = Post(title=title, author=admin, tags=Tag.from_names(tags))
        post.set_body(body)
        post.assign_slug()
        post.publish()
        db.session.add(post)
        db.session.flush()
    db.session.commit()
    return f"Demo admin: username 'demo', password '{password}' (reset at every --demo start)."
