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
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("mail_secret", sa.String(length=32), nullable=True))
    users = sa.table("users", sa.column("id", sa.Integer), sa.column("mail_secret", sa.String))
    connection = op.get_bind()
    ids = [row.id for row in connection.execute(sa.select(users.c.id))]
    for user_id in ids:  # one random secret each: a shared default would make them guessable together
        connection.execute(users.update().where(users.c.id == user_id).values(mail_secret=secrets.token_hex(16)))
    # SQLite's batch mode copies the table and loses the expression index: keep it by hand.
    op.drop_index("uq_users_username_lower", table_name="users")
    with op.batch_alter_table("users") as batch:
        batch.alter_column("mail_secret", existing_type=sa.String(length=32), nullable=False)
    op.create_index("uq_users_username_lower", "users", [sa.text("lower(username)")], unique=True)


def downgrade():
    op.drop_index("uq_users_username_lower", table_name="users")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("mail_secret")
    op.create_index("uq_users_username_lower", "users", [sa.text("lower(username)")], unique=True)
