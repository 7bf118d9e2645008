"""The register of stays: messages, the current version of each stay, every version, the open list.

Revision ID: 0001
Revises: (none)
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "melding",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("melding_id", sa.String, nullable=False, unique=True),
        sa.Column("virksomhet", sa.String, nullable=False),
        sa.Column("opprettet", sa.String, nullable=False),
        sa.Column("opprettet_utc", sa.String),
        sa.Column("mottatt_utc", sa.String, nullable=False),
        sa.Column("sha256", sa.String, nullable=False),
        sa.Column("antall_opphold", sa.Integer, nullable=False),
        sa.Column("resultat", sa.String, nullable=False),
        sa.Column("feil", sa.Integer, nullable=False),
        sa.Column("advarsler", sa.Integer, nullable=False),
    )
    op.create_index("ix_melding_virksomhet", "melding", ["virksomhet", "opprettet_utc"])
    op.create_table(
        "opphold",
        sa.Column("virksomhet", sa.String, primary_key=True),
        sa.Column("opphold_id", sa.String, primary_key=True),
        sa.Column("status", sa.String, nullable=False),
        sa.Column("annullert", sa.Boolean, nullable=False),
        sa.Column("melding", sa.Integer, sa.ForeignKey("melding.id"), nullable=False),
        sa.Column("versjon_utc", sa.String, nullable=False),
        sa.Column("person", sa.String),
        sa.Column("id_type", sa.String),
        sa.Column("fodselsdato", sa.String),
        sa.Column("kjonn", sa.String),
        sa.Column("alder", sa.Integer),
        sa.Column("bostedskommune", sa.String),
        sa.Column("innlagt", sa.String),
        sa.Column("innlagt_utc", sa.String),
        sa.Column("utskrevet", sa.String),
        sa.Column("utskrevet_utc", sa.String),
        sa.Column("henvist_fra_kategori", sa.String),
        sa.Column("henvist_fra_organisasjonsnummer", sa.String),
        sa.Column("henvist_fra_her_id", sa.String),
        sa.Column("utskrevet_til_kategori", sa.String),
        sa.Column("utskrevet_til_organisasjonsnummer", sa.String),
        sa.Column("utskrevet_til_her_id", sa.String),
        sa.Column("innskrivningsdiagnoser", sa.Text),
        sa.Column("utskrivningsdiagnoser", sa.Text),
        sa.Column("forst_mottatt_utc", sa.String, nullable=False),
        sa.Column("sist_endret_utc", sa.String, nullable=False),
    )
    op.create_index("ix_opphold_person", "opphold", ["virksomhet", "person"])
    op.create_index("ix_opphold_pagaende", "opphold", ["virksomhet", "annullert", "utskrevet_utc"])
    op.create_table(
        "versjon",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("virksomhet", sa.String, nullable=False),
        sa.Column("opphold_id", sa.String, nullable=False),
        sa.Column("melding", sa.Integer, sa.ForeignKey("melding.id"), nullable=False),
        sa.Column("status", sa.String),
        sa.Column("handling", sa.String, nullable=False),
        sa.Column("regel", sa.String),
    )
    op.create_index("ix_versjon_opphold", "versjon", ["virksomhet", "opphold_id"])
    op.create_table(
        "funn",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("virksomhet", sa.String, nullable=False),
        sa.Column("opphold_id", sa.String),
        sa.Column("regel", sa.String, nullable=False),
        sa.Column("alvorlighet", sa.String, nullable=False),
        sa.Column("melding", sa.Integer, sa.ForeignKey("melding.id")),
        sa.Column("peker", sa.String, nullable=False),
        sa.Column("apnet_utc", sa.String, nullable=False),
        sa.Column("lukket_utc", sa.String),
        sa.Column("lukket_av", sa.Integer, sa.ForeignKey("melding.id")),
        sa.Column("parametre", sa.Text, nullable=False),
    )
    op.create_index("ix_funn_apne", "funn", ["virksomhet", "lukket_utc"])
    op.create_index("ix_funn_opphold", "funn", ["virksomhet", "opphold_id", "lukket_utc"])
    op.create_table(
        "registerinfo",
        sa.Column("navn", sa.String, primary_key=True),
        sa.Column("verdi", sa.String, nullable=False),
    )


def downgrade() -> None:
    for table in ("registerinfo", "funn", "versjon", "opphold", "melding"):
        op.drop_table(table)
