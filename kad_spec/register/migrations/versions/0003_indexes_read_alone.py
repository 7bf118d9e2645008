"""Two indexes that answer alone, without the table: the unit's stays open since before a time
(KAD-REG-005, read once per message) and a person's stays at the unit (KAD-REG-006).

ix_opphold_pagaende gets innlagt_utc and opphold_id, ix_opphold_person gets opphold_id: a register
of years has thousands of open stays, and every message looked each one up in the table.

Revision ID: 0003
Revises: 0002
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_opphold_pagaende", table_name="opphold")
    op.create_index("ix_opphold_pagaende", "opphold",
                    ["virksomhet", "annullert", "utskrevet_utc", "innlagt_utc", "opphold_id"])
    op.drop_index("ix_opphold_person", table_name="opphold")
    op.create_index("ix_opphold_person", "opphold", ["virksomhet", "person", "opphold_id"])


def downgrade() -> None:
    op.drop_index("ix_opphold_person", table_name="opphold")
    op.create_index("ix_opphold_person", "opphold", ["virksomhet", "person"])
    op.drop_index("ix_opphold_pagaende", table_name="opphold")
    op.create_index("ix_opphold_pagaende", "opphold", ["virksomhet", "annullert", "utskrevet_utc"])
