"""Writing: reading time, the author's description and pins on posts; static pages; revisions

Columns are added with plain ALTER TABLE (no SQLite batch copy of ``posts``),
so the search triggers of 0002_read stay in place. Existing posts get a
reading time from their word count.

Revision ID: 0005_writing
Revises: 0004_zh_search
"""

import math
import re

import sqlalchemy as sa
from alembic import op

import blog.models.types

revision = "0005_writing"
down_revision = "0004_zh_search"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("posts", sa.Column("description", sa.String(length=300), server_default="", nullable=False))
    op.add_column("posts", sa.Column("reading_minutes", sa.Integer(), server_default="1", nullable=False))
    op.add_column("posts", sa.Column("pinned_at", blog.models.types.UTCDateTime(timezone=True), nullable=True))
    op.create_index("ix_posts_pinned_at", "posts", ["pinned_at"], unique=False)
    op.create_table(
        "pages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=80), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column("nav_order", sa.Integer(), nullable=False),
        sa.Column("in_nav", sa.Boolean(), nullable=False),
        sa.Column("created_at", blog.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", blog.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pages")),
        sa.UniqueConstraint("slug", name=op.f("uq_pages_slug")),
    )
    op.create_index("ix_pages_in_nav_nav_order", "pages", ["in_nav", "nav_order"], unique=False)
    op.create_table(
        "post_revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("tags", sa.String(length=500), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("created_at", blog.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_post_revisions_author_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["post_id"], ["posts.id"], name=op.f("fk_post_revisions_post_id_posts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_post_revisions")),
    )
    op.create_index("ix_post_revisions_author_id", "post_revisions", ["author_id"], unique=False)
    op.create_index("ix_post_revisions_post_id_id", "post_revisions", ["post_id", "id"], unique=False)
    _estimate_reading_times()


def _estimate_reading_times():
    """200 words a minute, as ``blog.markdown.render_post`` counts them at the next save."""
    connection = op.get_bind()
    posts = sa.table("posts", sa.column("id", sa.Integer), sa.column("body", sa.Text), sa.column("reading_minutes"))
    for post_id, body in connection.execute(sa.select(posts.c.id, posts.c.body)):
        minutes = max(1, math.ceil(len(re.findall(r"\w+", body or "")) / 200))
        if minutes > 1:
            connection.execute(posts.update().where(posts.c.id == post_id).values(reading_minutes=minutes))


def downgrade():
    op.drop_index("ix_post_revisions_post_id_id", table_name="post_revisions")
    op.drop_index("ix_post_revisions_author_id", table_name="post_revisions")
    op.drop_table("post_revisions")
    op.drop_index("ix_pages_in_nav_nav_order", table_name="pages")
    op.drop_table("pages")
    with op.batch_alter_table("posts", recreate="never") as batch_op:
        batch_op.drop_index("ix_posts_pinned_at")
        batch_op.drop_column("pinned_at")
        batch_op.drop_column("reading_minutes")
        batch_op.drop_column("description")
