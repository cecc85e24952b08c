"""Search that understands Chinese: the segmented index ``post_search`` replaces 0002's

SQLite gets an FTS5 table ``post_search`` (its own copy of the segmented title
and body, ``porter unicode61`` tokenizer, prefix indexes for 2 and 3
characters) and PostgreSQL a ``post_search`` table of weighted ``tsvector``
documents under a GIN index. Triggers on ``posts`` write the raw text for
every insert and update (marked unsegmented) and remove deleted posts; the
app writes the segmented copy over it (see ``blog.main.search_index``). The
upgrade fills the index for existing posts, segmenting them in Python in
batches. 0002's index and triggers are dropped; the downgrade builds them again.

Like 0002's, these objects are raw SQL that autogenerate cannot see
(``migrations/env.py`` leaves them out of ``db check``). A later migration
that recreates ``posts`` with a SQLite batch operation must create the
triggers again.

Revision ID: 0004_zh_search
Revises: 0003_accounts
"""
from alembic import op

from blog.main.search_index import reindex


revision = "0004_zh_search"
down_revision = "0003_accounts"
branch_labels = None
depends_on = None

SQLITE_UP = [
    "DROP TRIGGER IF EXISTS posts_fts_au",
    "DROP TRIGGER IF EXISTS posts_fts_ad",
    "DROP TRIGGER IF EXISTS posts_fts_ai",
    "DROP TABLE IF EXISTS posts_fts",
    "CREATE VIRTUAL TABLE post_search USING fts5(title, body, segmented UNINDEXED, "
    "tokenize='porter unicode61 remove_diacritics 2', prefix='2 3')",
    "INSERT INTO post_search (rowid, title, body, segmented) SELECT id, title, body, 0 FROM posts",
    "CREATE TRIGGER post_search_ai AFTER INSERT ON posts BEGIN "
    "INSERT INTO post_search (rowid, title, body, segmented) VALUES (new.id, new.title, new.body, 0); END",
    "CREATE TRIGGER post_search_au AFTER UPDATE OF title, body ON posts BEGIN "
    "UPDATE post_search SET title = new.title, body = new.body, segmented = 0 WHERE rowid = new.id; END",
    "CREATE TRIGGER post_search_ad AFTER DELETE ON posts BEGIN DELETE FROM post_search WHERE rowid = old.id; END",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS post_search_ad",
    "DROP TRIGGER IF EXISTS post_search_au",
    "DROP TRIGGER IF EXISTS post_search_ai",
    "DROP TABLE IF EXISTS post_search",
    # 0002_read's index and triggers, as it made them.
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
_RAW_DOCUMENT = (
    "setweight(to_tsvector('english'::regconfig, {row}.title), 'A') || "
    "setweight(to_tsvector('english'::regconfig, {row}.body), 'B')"
)
POSTGRES_UP = [
    "DROP INDEX IF EXISTS ix_posts_search",
    "CREATE TABLE post_search (post_id integer NOT NULL, document tsvector NOT NULL, "
    "segmented boolean NOT NULL DEFAULT false, CONSTRAINT pk_post_search PRIMARY KEY (post_id), "
    "CONSTRAINT fk_post_search_post_id_posts FOREIGN KEY (post_id) REFERENCES posts (id) ON DELETE CASCADE)",
    "CREATE INDEX ix_post_search_document ON post_search USING gin (document)",
    "CREATE INDEX ix_post_search_pending ON post_search (post_id) WHERE NOT segmented",
    "CREATE FUNCTION post_search_raw() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "INSERT INTO post_search (post_id, document, segmented) VALUES (NEW.id, "
    + _RAW_DOCUMENT.format(row="NEW")
    + ", false) ON CONFLICT (post_id) DO UPDATE SET document = EXCLUDED.document, segmented = false; "
    "RETURN NULL; END $$",
    "CREATE TRIGGER post_search_raw AFTER INSERT OR UPDATE OF title, body ON posts "
    "FOR EACH ROW EXECUTE FUNCTION post_search_raw()",
]
POSTGRES_DOWN = [
    "DROP TRIGGER IF EXISTS post_search_raw ON posts",
    "DROP FUNCTION IF EXISTS post_search_raw()",
    "DROP TABLE IF EXISTS post_search",
    "CREATE INDEX ix_posts_search ON posts USING gin (to_tsvector('english'::regconfig, title || ' ' || body))",
]


def upgrade():
    dialect = op.get_bind().dialect.name
    for statement in SQLITE_UP if dialect == "sqlite" else POSTGRES_UP if dialect == "postgresql" else []:
        op.execute(statement)
    if dialect in ("sqlite", "postgresql"):
        # Segmenting needs Python: the same function the app indexes with, in batches.
        reindex(op.get_bind())


def downgrade():
    dialect = op.get_bind().dialect.name
    for statement in SQLITE_DOWN if dialect == "sqlite" else POSTGRES_DOWN if dialect == "postgresql" else []:
        op.execute(statement)
