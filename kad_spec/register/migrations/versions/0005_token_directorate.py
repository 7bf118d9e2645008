"""Directorate tokens: a token with the directorate's rights (every unit's data), tied to no unit.

``direktorat`` is true for such a token, and its ``virksomhet`` is NULL; a unit's token keeps its
organisation number and ``direktorat`` false.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("token") as batch:
        batch.add_column(sa.Column("direktorat", sa.Boolean, nullable=False, server_default=sa.false()))
        batch.alter_column("virksomhet", existing_type=sa.String, nullable=True)


def downgrade() -> None:
    op.execute("DELETE FROM token WHERE direktorat")
    with op.batch_alter_table("token") as batch:
        batch.alter_column("virksomhet", existing_type=sa.String, nullable=False)
        batch.drop_column("direktorat")
