"""Accounts security: confirmed e-mail addresses, scopes of API tokens

Existing users are marked confirmed at their creation time: they were
accepted before verification existed, and locking them out of commenting
and mail on upgrade would punish every real user for what an attacker might
have done. New accounts start unconfirmed.

Revision ID: 0003_accounts
Revises: 0002_read
"""

from alembic import op
import sqlalchemy as sa

from blog.models.types import UTCDateTime

ALL_SCOPES = "mail:send tasks:read"

revision = "0003_accounts"
down_revision = "0002_read"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("email_verified_at", UTCDateTime(timezone=True), nullable=True))
    op.execute("UPDATE users SET email_verified_at = created_at")
    # Tokens made before scopes existed keep doing all they did.
    with op.batch_alter_table("api_tokens") as batch:
        batch.add_column(sa.Column("scopes", sa.String(length=100), server_default=ALL_SCOPES, nullable=False))


def downgrade():
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_column("scopes")
    # SQLite's batch mode copies the table and loses the expression index: keep it by hand.
    op.drop_index("uq_users_username_lower", table_name="users")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("email_verified_at")
    op.create_index("uq_users_username_lower", "users", [sa.text("lower(username)")], unique=True)
