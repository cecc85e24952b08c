"""Reading: full-text search over posts and the page cache's generation counter

SQLite gets an FTS5 index kept in step with ``posts`` by triggers, and
PostgreSQL a GIN index over the posts' text, so that rows inserted in bulk
(``manage.py seed``) are searchable too. The triggers live in the database:
a later migration that recreates ``posts`` with a SQLite batch operation must
create them again.

Revision ID: 0002_read
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa


revision = "0002_read"
down_revision = "0001"
branch_labels = None
depends_on = None

SQLITE_UP = [
    "CREATE VIRTUAL TABLE posts_fts USING fts5(title, body, content='posts', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 2')",
    "INSERT INTO posts_fts(posts_fts) VALUES ('rebuild')",
    "CREATE TRIGGER posts_fts_ai AFTER INSERT ON posts BEGIN "
    "INSERT INTO posts_fts(rowid, title, body) VALUES (new.id, new.title, new.body); END",
    "CREATE TRIGGER posts_fts_ad AFTER DELETE ON posts BEGIN "
    "INSERT INTO posts_fts(posts_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body); END",
    "CREATE TRIGGER posts_fts_au AFTER UPDATE OF title, body ON posts BEGIN "
    "INSERT INTO posts_fts(posts_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body); "
    "INSERT INTO posts_fts(rowid, title, body) VALUES (new.id, new.title, new.body); END",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS posts_fts_au",
    "DROP TRIGGER IF EXISTS posts_fts_ad",
    "DROP TRIGGER IF EXISTS posts_fts_ai",
    "DROP TABLE IF EXISTS posts_fts",
]
# Must match blog.main.search.POSTGRES_DOCUMENT for the planner to use the index.
POSTGRES_UP = [
    "CREATE INDEX ix_posts_search ON posts USING gin "
    "(to_tsvector('english'::regconfig, title || ' ' || body))",
]
POSTGRES_DOWN = ["DROP INDEX IF EXISTS ix_posts_search"]


def upgrade():
    op.create_table(
        "cache_generations",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_cache_generations")),
    )
    op.execute("INSERT INTO cache_generations (name, value) VALUES ('pages', 0)")
    dialect = op.get_bind().dialect.name
    for statement in SQLITE_UP if dialect == "sqlite" else POSTGRES_UP if dialect == "postgresql" else []:
        op.execute(statement)


def downgrade():
    dialect = op.get_bind().dialect.name
    for statement in SQLITE_DOWN if dialect == "sqlite" else POSTGRES_DOWN if dialect == "postgresql" else []:
        op.execute(statement)
    op.drop_table("cache_generations")
