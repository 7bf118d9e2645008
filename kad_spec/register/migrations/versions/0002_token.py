"""The service's access tokens: one unit each, kept as the SHA-256 of the token, revocable.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "token",
        sa.Column("id", sa.String, primary_key=True),
        sa.Column("virksomhet", sa.String, nullable=False),
        sa.Column("sha256", sa.String, nullable=False, unique=True),
        sa.Column("opprettet_utc", sa.String, nullable=False),
        sa.Column("tilbakekalt_utc", sa.String),
    )


def downgrade() -> None:
    op.drop_table("token")
