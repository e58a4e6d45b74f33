"""Tokens expire: ``tokens.expires_at`` (UTC; NULL never expires, as every token made before this).

Revision ID: hardening
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "hardening"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tokens") as batch:
        batch.add_column(sa.Column("expires_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tokens") as batch:
        batch.drop_column("expires_at")
