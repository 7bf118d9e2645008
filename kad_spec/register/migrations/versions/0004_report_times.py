"""What the feedback report needs that the register did not keep: when a stay and its discharge
were first reported (timeliness), and the unit's name as its messages give it.

Stays taken in before this revision get innlagt_meldt_utc from the first message whose version of
the stay was applied (the versjon table knows it); when their discharge was first reported is not
known, and utskrevet_meldt_utc stays empty for them.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("melding", sa.Column("virksomhet_navn", sa.String()))
    op.add_column("opphold", sa.Column("innlagt_meldt_utc", sa.String()))
    op.add_column("opphold", sa.Column("utskrevet_meldt_utc", sa.String()))
    op.execute(
        "UPDATE opphold SET innlagt_meldt_utc = (SELECT min(m.opprettet_utc) FROM versjon v "
        "JOIN melding m ON m.id = v.melding WHERE v.virksomhet = opphold.virksomhet "
        "AND v.opphold_id = opphold.opphold_id AND v.handling = 'brukt')")


def downgrade() -> None:
    with op.batch_alter_table("opphold") as batch:
        batch.drop_column("utskrevet_meldt_utc")
        batch.drop_column("innlagt_meldt_utc")
    with op.batch_alter_table("melding") as batch:
        batch.drop_column("virksomhet_navn")
