"""Mail secrets: a per-user secret in the unsubscribe links, so they can be retired

Revision ID: 0006_mail_secret
Revises: 0005_writing
"""

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0006_mail_secret"
down_revision = "0005_writing"
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN (no table copy on SQLite, which would drop the search triggers and the
    # lower(username) index); the empty default is replaced at once by a secret per user.
    op.add_column("users", sa.Column("mail_secret", sa.String(length=32), server_default="", nullable=False))
    users = sa.table("users", sa.column("id", sa.Integer), sa.column("mail_secret", sa.String))
    connection = op.get_bind()
    ids = [row.id for row in connection.execute(sa.select(users.c.id))]
    for user_id in ids:  # one random secret each: a shared default would make them guessable together
        connection.execute(users.update().where(users.c.id == user_id).values(mail_secret=secrets.token_hex(16)))


def downgrade():
    op.drop_column("users", "mail_secret")
