"""The Chinese search index follows every write: the ORM, bulk inserts, seed, reindex and the migration."""

from sqlalchemy import create_engine, insert, text

from blog.extensions import db
from blog.models import Post, utcnow
from config import normalise_database_url
from tests.test_migrations import _manage, scratch_database  # noqa: F401 - a fixture
from tests.test_read_search import _titles


def _search(client, query: str) -> list[str]:
    return _titles(client.get("/search", query_string={"q": query}).get_data(as_text=True))


def _bulk_insert(app, author_id: int, rows: list[tuple[str, str]]) -> None:
    now = utcnow()
    with app.app_context():
        db.session.execute(
            insert(Post),
            [
                dict(
                    title=title,
                    slug=f"bulk-{n}",
                    body=body,
                    body_html="",
                    summary="",
                    status="published",
                    publish_at=now,
                    created_at=now,
                    updated_at=now,
                    author_id=author_id,
                )
                for n, (title, body) in enumerate(rows)
            ],
        )
        db.session.commit()


def test_an_edited_chinese_post_is_found_by_its_new_words_only(client, login, make_user, make_post):
    author = make_user(roles=("author",))
    post = make_post("旧标题", author=author, body="我们讨论消息队列。")
    login.as_user(author)
    form = {"title": "新标题", "body": "今天我们讨论数据库索引。", "tags": "", "status": "published"}
    client.post(f"/post/{post.slug}/edit", data=form)
    login.logout()
    assert _search(client, "消息队列") == []
    assert _search(client, "数据库") == ["新标题"]


def test_bulk_inserted_chinese_posts_are_found_after_reindex_pending(app, client, make_user):
    author = make_user(roles=("author",))
    _bulk_insert(app, author.id, [("批量 Kangaroo", "我的博客系统使用Flask。")])
    # The triggers index the raw text at once: English words are found, Chinese words wait for segmentation.
    assert _search(client, "kangaroo") == ["批量 Kangaroo"]
    result = app.test_cli_runner().invoke(args=["search", "reindex", "--pending"])
    assert result.exit_code == 0, result.output
    assert "Indexed 1 posts." in result.output
    assert _search(client, "博客") == ["批量 Kangaroo"]


def test_reindex_rebuilds_a_lost_index_with_a_progress_bar(app, client, make_post):
    make_post("消息队列入门", body="Celery 和 Redis。")
    with app.app_context():
        db.session.execute(text("DELETE FROM post_search"))
        db.session.commit()
    assert _search(client, "队列") == []
    result = app.test_cli_runner().invoke(args=["search", "reindex"])
    assert result.exit_code == 0, result.output
    assert "posts" in result.output and "Indexed 1 posts." in result.output
    assert _search(client, "队列") == ["消息队列入门"]


def test_seed_in_chinese_is_searchable_at_once(app, client):
    result = app.test_cli_runner().invoke(
        args=["seed", "--posts", "60", "--users", "3", "--comments", "0", "--lang", "zh", "--random-seed", "3"]
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        titles = set(db.session.execute(db.select(Post.title)).scalars())
    assert all(any("\u4e00" <= c <= "\u9fff" for c in title) for title in titles)
    some = sorted(titles)[0]
    found = _search(client, some)
    assert found and found[0] == some, f"{some!r} should rank a post with that title first, got {found}"
    result = app.test_cli_runner().invoke(args=["search", "reindex", "--pending"])
    assert "Indexed 0 posts." in result.output


def test_seed_mixed_writes_both_languages(app):
    result = app.test_cli_runner().invoke(
        args=["seed", "--posts", "80", "--users", "3", "--comments", "0", "--lang", "mixed", "--random-seed", "5"]
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        titles = list(db.session.execute(db.select(Post.title)).scalars())
    chinese = [t for t in titles if any("\u4e00" <= c <= "\u9fff" for c in t)]
    assert 20 < len(chinese) < 60


def test_the_migration_indexes_existing_chinese_posts(scratch_database, tmp_path):  # noqa: F811
    assert _manage(scratch_database, tmp_path, "upgrade", "0002_read").returncode == 0
    engine = create_engine(normalise_database_url(scratch_database))
    now = utcnow().isoformat()
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO users (id, username, email, display_name, created_at, active, digest, "
                "notify_comments, session_version) VALUES (1, 'wei', 'wei@example.org', 'Wei', :now, true, "
                "'none', true, 1)"
            ),
            dict(now=now),
        )
        connection.execute(
            text(
                "INSERT INTO posts (id, title, slug, body, body_html, summary, status, publish_at, created_at, "
                "updated_at, author_id) VALUES (1, '旧文章', 'old', '我的博客系统', '', '', 'published', :now, "
                ":now, :now, 1)"
            ),
            dict(now=now),
        )
    upgrade = _manage(scratch_database, tmp_path, "upgrade")
    assert upgrade.returncode == 0, upgrade.stderr
    found = (
        "SELECT post_id FROM post_search WHERE segmented AND document @@ to_tsquery('english', '博客')"
        if engine.dialect.name == "postgresql"
        else "SELECT rowid FROM post_search WHERE segmented = 1 AND post_search MATCH '\"博客\"'"
    )
    with engine.connect() as connection:
        assert connection.execute(text(found)).scalars().all() == [1]
    engine.dispose()
