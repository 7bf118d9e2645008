"""The register's tables, as SQLAlchemy Core metadata (no ORM).

The names are the model's, in Norwegian. Times are kept twice where the rules compare them: as
written in the message, and in UTC as fixed-width ISO text (``2025-03-01T13:35:00Z``),
which sorts as the times do, the same on SQLite and PostgreSQL. No column holds a personal id:
the person is a keyed pseudonym (kad_spec.register.keys), and what the rules need from the id
(birth date, sex, id type) is derived at ingest.

The migrations under ``migrations/versions/`` make this schema; ``SCHEMA_VERSION`` is the last
of them, and a test holds the two together. docs/register.md describes every table.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, ForeignKey, Index, Integer, MetaData, String, Table, Text, false

SCHEMA_VERSION = "0005"  # the Alembic revision that makes this schema (migrations/versions/)

metadata = MetaData()

# Every message received (taken in or refused), once per melding_id.
melding = Table(
    "melding", metadata,
    Column("id", Integer, primary_key=True),
    Column("melding_id", String, nullable=False, unique=True),
    Column("virksomhet", String, nullable=False),  # organisasjonsnummer
    Column("virksomhet_navn", String),  # the unit's name as the header gives it (0004)
    Column("opprettet", String, nullable=False),  # as written
    Column("opprettet_utc", String),  # the order of the messages; NULL when opprettet is no time
    Column("mottatt_utc", String, nullable=False),
    Column("sha256", String, nullable=False),  # of the file's bytes
    Column("antall_opphold", Integer, nullable=False),
    Column("resultat", String, nullable=False),  # tatt_inn | avvist
    Column("feil", Integer, nullable=False),
    Column("advarsler", Integer, nullable=False),
)
Index("ix_melding_virksomhet", melding.c.virksomhet, melding.c.opprettet_utc)

# The current version of every stay.
opphold = Table(
    "opphold", metadata,
    Column("virksomhet", String, primary_key=True),
    Column("opphold_id", String, primary_key=True),
    Column("status", String, nullable=False),  # N | M | C of the current version
    Column("annullert", Boolean, nullable=False),
    Column("melding", Integer, ForeignKey("melding.id"), nullable=False),  # the current version's message
    Column("versjon_utc", String, nullable=False),  # that message's opprettet_utc
    Column("person", String),  # pseudonym
    Column("id_type", String),
    Column("fodselsdato", String),  # ISO date from the id, NULL when it gives none
    Column("kjonn", String),
    Column("alder", Integer),
    Column("bostedskommune", String),
    Column("innlagt", String),
    Column("innlagt_utc", String),
    Column("utskrevet", String),
    Column("utskrevet_utc", String),
    Column("henvist_fra_kategori", String),
    Column("henvist_fra_organisasjonsnummer", String),
    Column("henvist_fra_her_id", String),
    Column("utskrevet_til_kategori", String),
    Column("utskrevet_til_organisasjonsnummer", String),
    Column("utskrevet_til_her_id", String),
    Column("innskrivningsdiagnoser", Text),  # JSON: [[kodeverk, kode], ...]
    Column("utskrivningsdiagnoser", Text),
    Column("forst_mottatt_utc", String, nullable=False),
    Column("sist_endret_utc", String, nullable=False),
    # Timeliness (0004): the opprettet_utc of the first message that gave the stay, and of the
    # first that gave its discharge. Kept when later versions replace the stay.
    Column("innlagt_meldt_utc", String),
    Column("utskrevet_meldt_utc", String),
)
# Both answer their queries alone (0003): the stay's id is in the index, and so is the admission.
Index("ix_opphold_person", opphold.c.virksomhet, opphold.c.person, opphold.c.opphold_id)
Index("ix_opphold_pagaende", opphold.c.virksomhet, opphold.c.annullert, opphold.c.utskrevet_utc,
      opphold.c.innlagt_utc, opphold.c.opphold_id)

# Every version of a stay received, and what the register did with it.
versjon = Table(
    "versjon", metadata,
    Column("id", Integer, primary_key=True),
    Column("virksomhet", String, nullable=False),
    Column("opphold_id", String, nullable=False),
    Column("melding", Integer, ForeignKey("melding.id"), nullable=False),
    Column("status", String),  # as sent
    Column("handling", String, nullable=False),  # brukt | beholdt | avvist
    Column("regel", String),  # the rule that decided, NULL when applied as sent
)
Index("ix_versjon_opphold", versjon.c.virksomhet, versjon.c.opphold_id)

# The units' open list: a finding is open until lukket_utc is set.
funn = Table(
    "funn", metadata,
    Column("id", Integer, primary_key=True),
    Column("virksomhet", String, nullable=False),
    Column("opphold_id", String),  # NULL: about the message, not one stay
    Column("regel", String, nullable=False),
    Column("alvorlighet", String, nullable=False),  # error | warning
    Column("melding", Integer, ForeignKey("melding.id")),  # where found (NULL for KAD-REG-005, KAD-REG-008)
    Column("peker", String, nullable=False),  # JSON pointer within the stay (or the message); "" for all of it
    Column("apnet_utc", String, nullable=False),
    Column("lukket_utc", String),
    Column("lukket_av", Integer, ForeignKey("melding.id")),
    Column("parametre", Text, nullable=False),  # JSON, personal ids masked
)
Index("ix_funn_apne", funn.c.virksomhet, funn.c.lukket_utc)
Index("ix_funn_opphold", funn.c.virksomhet, funn.c.opphold_id, funn.c.lukket_utc)

# Facts about the register itself: the check value of its key (never the key).
registerinfo = Table(
    "registerinfo", metadata,
    Column("navn", String, primary_key=True),
    Column("verdi", String, nullable=False),
)

# The service's access tokens (kad-spec serve token ...): each tied to one unit, or the directorate's
# (every unit's data, 0004), kept as a hash.
token = Table(
    "token", metadata,
    Column("id", String, primary_key=True),  # short and public: what token list shows and revoke takes
    Column("virksomhet", String),  # organisasjonsnummer; NULL for a directorate token
    Column("direktorat", Boolean, nullable=False, server_default=false()),  # the directorate's rights
    Column("sha256", String, nullable=False, unique=True),  # of the token; the token itself is never kept
    Column("opprettet_utc", String, nullable=False),
    Column("tilbakekalt_utc", String),  # NULL while the token is in force
)

TABLES = (melding, opphold, versjon, funn, registerinfo, token)
