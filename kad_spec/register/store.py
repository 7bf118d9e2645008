"""The register's store: a SQLite file or a PostgreSQL database, through SQLAlchemy Core.

``Register.open(url)`` connects, makes a new register or upgrades an older one to this
version's schema (kad_spec.register.schema, by the Alembic migrations beside it), and refuses a
database that holds something else. Every change is made in :meth:`Register.transaction`: one
transaction, which on SQLite takes the write lock at once (``BEGIN IMMEDIATE``, so two writers
wait for each other instead of failing) and on PostgreSQL an advisory lock of the register, so
that two ingests at once are applied one after the other, each whole.

URLs: ``sqlite:///path.db`` (or a bare file path), ``postgresql://user@host/db`` (driven by
psycopg 3). Every query that returns rows orders them, so both stores answer alike.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Callable, Iterator
from urllib.parse import urlsplit, urlunsplit

from kad_spec.spec.text import Text

from kad_spec.register import schema

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
OUR_TABLES = frozenset(table.name for table in schema.TABLES) | {"alembic_version"}
SQLITE_BUSY_SECONDS = 600  # how long a writer waits for another one on a SQLite file
SQLITE_CACHE_KIB = 65536  # pages kept in memory: a message touches pages all over a register of years
SQLITE_CHECKPOINT_PAGES = 4000  # WAL pages (16 MiB) between checkpoints; a daily message writes a few hundred
ADVISORY_LOCK = 0x4B41445F524547  # "KAD_REG": the lock one PostgreSQL register's writers take in turn
KEY_CHECK = "nokkel_kontroll"
STATISTICS_ROWS = 1000  # PostgreSQL: rows changed in a table before its statistics are gathered again


class RegisterError(Exception):
    """The register cannot be used: what and where, in either language (exit code 2)."""

    def __init__(self, problem: Text, **params):
        self.problem = problem
        self.params = params
        super().__init__(self.text())

    def text(self, lang: str = "nb") -> str:
        return self.problem.format(lang, **self.params)


NOT_A_REGISTER = Text(
    "{where} er ikke et kad-spec-register: den har tabeller ({tables}), men ingen registerversjon fra kad-spec. "
    "Bruk en ny fil eller en tom database.",
    "{where} is not a kad-spec register: it has tables ({tables}) but no register version from kad-spec. "
    "Use a new file or an empty database.")
NOT_A_DATABASE = Text("{where} er ikke et kad-spec-register (ikke en SQLite-database: {reason}).",
                      "{where} is not a kad-spec register (not a SQLite database: {reason}).")
NEWER = Text("registeret {where} har skjemaversjon {version}, som denne kad-spec ({known}) ikke kjenner; "
             "bruk en nyere kad-spec.",
             "the register {where} has schema version {version}, which this kad-spec ({known}) does not know; "
             "use a newer kad-spec.")
UNAVAILABLE = Text("kan ikke åpne registeret {where}: {reason}", "cannot open the register {where}: {reason}")
UNKNOWN_KIND = Text("--db {where}: registeret er en SQLite-fil (sqlite:///sti.db) eller en PostgreSQL-database "
                    "(postgresql://bruker@vert/database)",
                    "--db {where}: the register is a SQLite file (sqlite:///path.db) or a PostgreSQL database "
                    "(postgresql://user@host/database)")
WRONG_KEY = Text("nøkkelen er ikke den registeret {where} ble laget med; pseudonymene ville ikke stemt med "
                 "dem som er lagret. Bruk registerets nøkkel.",
                 "the key is not the one the register {where} was made with; the pseudonyms would not match "
                 "the stored ones. Use the register's key.")


def engine_url(url: str) -> str:
    """The SQLAlchemy URL of a register: a bare path is a SQLite file; PostgreSQL goes through psycopg 3."""
    if "://" not in url:
        return f"sqlite:///{url}"
    scheme, rest = url.split("://", 1)
    if scheme in ("postgresql", "postgres", "postgresql+psycopg"):
        return f"postgresql+psycopg://{rest}"
    if scheme in ("sqlite", "sqlite+pysqlite"):
        return f"sqlite://{rest}"
    raise RegisterError(UNKNOWN_KIND, where=shown(url))


def shown(url: str) -> str:
    """A URL as messages show it: never its password."""
    if "://" not in url:
        return url
    parts = urlsplit(url)
    if parts.password is None:
        return url
    return urlunsplit((parts.scheme, parts.netloc.replace(f":{parts.password}@", ":***@"), parts.path,
                       parts.query, parts.fragment))


class Register:
    """An open register. Use as a context manager, or call :meth:`close`."""

    def __init__(self, engine, url: str):
        self.engine = engine
        self.url = url
        self.where = shown(url)
        self.written = 0  # rows written since the statistics were last looked at (keep_statistics)
        self.is_sqlite = engine.dialect.name == "sqlite"

    # -- opening ----------------------------------------------------------------------------
    @classmethod
    def open(cls, url: str) -> "Register":
        """The register at ``url``, made or upgraded to this version's schema; RegisterError when it cannot be."""
        register = cls(_engine(url), url)
        try:
            register._make_current()
            if register.is_sqlite:
                _sqlite_write_ahead(register.engine)
        except BaseException:
            register.close()
            raise
        return register

    def _make_current(self) -> None:
        import sqlalchemy

        try:
            with self.transaction() as connection:
                version = self._version(connection)
                if version != schema.SCHEMA_VERSION:
                    self._upgrade(connection, version)
        except RegisterError:
            raise
        except sqlalchemy.exc.DatabaseError as error:
            if self.is_sqlite and "not a database" in str(error.orig):
                raise RegisterError(NOT_A_DATABASE, where=self.where, reason=str(error.orig)) from None
            raise RegisterError(UNAVAILABLE, where=self.where, reason=_reason(error)) from None

    def _version(self, connection) -> str | None:
        """The register's schema version; None for an empty database; RegisterError for something else."""
        import sqlalchemy

        tables = set(sqlalchemy.inspect(connection).get_table_names())
        if not tables:
            return None
        if "alembic_version" not in tables or not tables & (OUR_TABLES - {"alembic_version"}):
            raise RegisterError(NOT_A_REGISTER, where=self.where, tables=", ".join(sorted(tables)[:5]))
        rows = connection.execute(sqlalchemy.text("SELECT version_num FROM alembic_version ORDER BY version_num"))
        versions = [row[0] for row in rows]
        if len(versions) != 1:
            raise RegisterError(NOT_A_REGISTER, where=self.where, tables=", ".join(sorted(tables)[:5]))
        return versions[0]

    def _upgrade(self, connection, version: str | None) -> None:
        """Run the migrations from ``version`` (None: none yet) to this version's, in the open transaction."""
        from alembic import command
        from alembic.config import Config
        from alembic.script import ScriptDirectory

        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        known = [script.revision for script in ScriptDirectory.from_config(config).walk_revisions()]
        if version is not None and version not in known:
            raise RegisterError(NEWER, where=self.where, version=version, known=schema.SCHEMA_VERSION)
        config.attributes["connection"] = connection
        command.upgrade(config, "head")

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> "Register":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- transactions -----------------------------------------------------------------------
    @contextlib.contextmanager
    def transaction(self) -> Iterator:
        """A connection in one transaction, holding the register's write lock; committed at the end, or
        rolled back on an exception (or when the process dies: the store never sees a commit)."""
        import sqlalchemy

        try:
            connection = self.engine.connect()
        except sqlalchemy.exc.DBAPIError as error:
            if self.is_sqlite and "not a database" in str(error.orig):
                raise RegisterError(NOT_A_DATABASE, where=self.where, reason=str(error.orig)) from None
            raise RegisterError(UNAVAILABLE, where=self.where, reason=_reason(error)) from None
        with connection:
            with connection.begin():
                if not self.is_sqlite:
                    connection.execute(sqlalchemy.text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_LOCK})
                yield connection

    # -- the planner's statistics ---------------------------------------------------------------
    def keep_statistics(self, written: int) -> None:
        """On PostgreSQL: gather the planner's statistics of the register's tables (ANALYZE) when a
        tenth of a table has changed since they were last gathered (and at least STATISTICS_ROWS
        rows), as autovacuum would. A server that does not run autovacuum would otherwise plan a
        register of years as the empty one it was made as, and read every stay of the unit for
        each stay a message brings. Looked at once STATISTICS_ROWS rows have been ``written``
        since the last look. SQLite plans by the indexes alone; nothing to do there."""
        import sqlalchemy

        if self.is_sqlite:
            return
        self.written += written
        if self.written < STATISTICS_ROWS:
            return
        self.written = 0
        with self.transaction() as connection:
            stale = [name for name, changed, rows in connection.execute(sqlalchemy.text(
                "SELECT s.relname, s.n_mod_since_analyze, c.reltuples FROM pg_stat_user_tables s "
                "JOIN pg_class c ON c.oid = s.relid WHERE s.relname IN ('melding', 'opphold', 'versjon', 'funn') "
                "ORDER BY s.relname"))
                if changed > STATISTICS_ROWS + max(rows, 0) / 10]
            if stale:
                connection.execute(sqlalchemy.text("ANALYZE " + ", ".join(stale)))

    # -- the key ----------------------------------------------------------------------------
    def check_key(self, connection, key: bytes) -> None:
        """Remember the key's check value in a new register; refuse another key in an old one."""
        from kad_spec.register.keys import key_check

        info = schema.registerinfo
        found = connection.execute(info.select().where(info.c.navn == KEY_CHECK)).first()
        if found is None:
            connection.execute(info.insert().values(navn=KEY_CHECK, verdi=key_check(key)))
        elif found.verdi != key_check(key):
            raise RegisterError(WRONG_KEY, where=self.where)


def _engine(url: str):
    import sqlalchemy

    address = engine_url(url)
    if address.startswith("sqlite"):
        folder = Path(address.removeprefix("sqlite:///")).parent
        if address.startswith("sqlite:///") and not folder.is_dir():
            raise RegisterError(UNAVAILABLE, where=shown(url), reason=f"mappen {folder} finnes ikke")
        engine = sqlalchemy.create_engine(address, connect_args={"timeout": SQLITE_BUSY_SECONDS})
        sqlalchemy.event.listen(engine, "connect", _sqlite_connection)
        sqlalchemy.event.listen(engine, "begin", _sqlite_begin)
        return engine
    try:
        return sqlalchemy.create_engine(address, connect_args={"connect_timeout": 10})
    except (ImportError, sqlalchemy.exc.ArgumentError) as error:
        raise RegisterError(UNAVAILABLE, where=shown(url), reason=str(error)) from None


def _sqlite_connection(dbapi_connection, _record) -> None:
    # The driver's own transaction handling off: the store says BEGIN itself (see _sqlite_begin).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
    if cursor.execute("PRAGMA journal_mode").fetchone()[0] == "wal":
        cursor.execute("PRAGMA synchronous=NORMAL")  # in WAL mode: no sync at each commit, still atomic
        cursor.execute(f"PRAGMA wal_autocheckpoint={SQLITE_CHECKPOINT_PAGES}")
    cursor.close()


def _sqlite_write_ahead(engine) -> None:
    """A register's SQLite file in WAL mode: a commit appends the pages it changed to the log
    (register.db-wal) instead of copying the old ones to a journal and syncing twice; with
    synchronous=NORMAL a commit is not synced at all, only each checkpoint. A message is still
    applied whole or not at all, also when the process is killed or the machine stops; what the
    machine stopping can cost is the last messages taken in, which their files can give again.
    Set only on a file already known as a register (a new one included), never on another."""
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
    finally:
        connection.close()


def _sqlite_begin(connection) -> None:
    # The write lock at the start: a writer that finds another waits (busy timeout) instead of
    # failing halfway when its read lock cannot be made a write lock.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def _reason(error) -> str:
    text = str(getattr(error, "orig", None) or error).strip()
    return text.splitlines()[0] if text else type(error).__name__


CHUNK = 500  # values in one IN (...) list: well within every store's limit on bound parameters


def _chunks(values: list) -> Iterator[list]:
    for start in range(0, len(values), CHUNK):
        yield values[start:start + CHUNK]


# The statements ingest and status run, each on a connection in a transaction of Register:
# plain SQLAlchemy Core; every query that returns rows says its order.

# -- messages ---------------------------------------------------------------------------
def message_by_melding_id(connection, melding_id: str):
    m = schema.melding
    return connection.execute(m.select().where(m.c.melding_id == melding_id)).first()


def known_melding_ids(connection, melding_ids: list[str]) -> set[str]:
    """Which of these melding_ids the register has received."""
    import sqlalchemy

    m = schema.melding
    query = _query(connection, "known_melding_ids",
                   lambda in_ids: sqlalchemy.select(m.c.melding_id).where(in_ids(m.c.melding_id)))
    found = set()
    for chunk in _chunks(sorted(set(melding_ids))):
        found.update(row[0] for row in connection.execute(query, {"ids": chunk}))
    return found


def add_message(connection, values: dict) -> int:
    return connection.execute(schema.melding.insert().values(**values)).inserted_primary_key[0]


def latest_message_utc(connection, virksomhet: str) -> str | None:
    """The unit's latest ``opprettet`` (UTC) among the messages taken in."""
    import sqlalchemy

    m = schema.melding
    # The first from the top of the unit's index of messages by time (max() with the condition
    # on resultat would read every message of the unit, once per message taken in).
    return connection.execute(sqlalchemy.select(m.c.opprettet_utc).where(
        m.c.virksomhet == virksomhet, m.c.resultat == "tatt_inn", m.c.opprettet_utc.is_not(None))
        .order_by(m.c.opprettet_utc.desc()).limit(1)).scalar()


# -- stays ------------------------------------------------------------------------------
# What the history rules compare of a stay's current version (kad_spec.register.history.Version):
# the queries for them read no more, since they run once or twice per message.
VERSION_COLUMNS = ("opphold_id", "status", "person", "innlagt", "innlagt_utc", "utskrevet_utc", "versjon_utc",
                   "annullert")


def _version_columns():
    o, m = schema.opphold, schema.melding
    return [o.c[name] for name in VERSION_COLUMNS] + [m.c.opprettet.label("melding_opprettet")]


# The queries run once or more per message with a list of ids are built once: a list given to
# .in_() becomes a bound parameter per id, each coerced by SQLAlchemy, hundreds per message.
_QUERIES: dict[str, object] = {}


def _query(connection, name: str, build: Callable):
    """The query ``build(in_ids)`` for this kind of store, built once; ``in_ids(column)`` is the
    condition that ``column`` is one of the list given as the parameter ``ids``: an IN list on
    SQLite, ``= ANY(array)`` on PostgreSQL, where one statement for any number of ids is planned
    once instead of once per length of the list."""
    dialect = connection.dialect.name
    query = _QUERIES.get((name, dialect))
    if query is None:
        query = _QUERIES[(name, dialect)] = build(_in_ids_of(dialect))
    return query


def _in_ids_of(dialect: str) -> Callable:
    import sqlalchemy

    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import ARRAY

        return lambda column: column == sqlalchemy.any_(sqlalchemy.bindparam("ids", type_=ARRAY(sqlalchemy.String)))
    return lambda column: column.in_(sqlalchemy.bindparam("ids", expanding=True))


def _current_stays_query(in_ids):
    import sqlalchemy

    o, m = schema.opphold, schema.melding
    return (sqlalchemy.select(*_version_columns()).join(m, m.c.id == o.c.melding)
            .where(o.c.virksomhet == sqlalchemy.bindparam("unit"), in_ids(o.c.opphold_id))
            .order_by(o.c.opphold_id))


def _stays_of_persons_query(in_ids):
    import sqlalchemy

    o = schema.opphold
    return sqlalchemy.select(o.c.opphold_id).where(o.c.virksomhet == sqlalchemy.bindparam("unit"), in_ids(o.c.person))


def current_stays(connection, virksomhet: str, opphold_ids: list[str]) -> dict:
    """The current version of each of these stays the register has (VERSION_COLUMNS), with its message's opprettet."""
    query = _query(connection, "current_stays", _current_stays_query)
    found = {}
    for chunk in _chunks(sorted(set(opphold_ids))):
        found.update({row.opphold_id: row for row in connection.execute(query, {"unit": virksomhet, "ids": chunk})})
    return found


def stays_of_persons(connection, virksomhet: str, persons: list[str], besides=frozenset()) -> list:
    """The current versions (VERSION_COLUMNS), not cancelled, of every stay of these persons at the
    unit but those in ``besides``, ordered by person and opphold_id."""
    query = _query(connection, "stays_of_persons", _stays_of_persons_query)  # ix_opphold_person alone
    others = set()
    for chunk in _chunks(sorted(set(persons))):
        # Most persons have no stay but the ones in the message.
        others.update(sid for (sid,) in connection.execute(query, {"unit": virksomhet, "ids": chunk})
                      if sid not in besides)
    rows = [row for row in current_stays(connection, virksomhet, list(others)).values() if not row.annullert]
    return sorted(rows, key=lambda row: (row.person, row.opphold_id))


def _open_since_before(virksomhet: str, before_utc: str):
    """The ids of the unit's stays not cancelled and not discharged, admitted before ``before_utc``:
    read from ix_opphold_pagaende alone."""
    import sqlalchemy

    o = schema.opphold
    return sqlalchemy.select(o.c.opphold_id).where(o.c.virksomhet == virksomhet, o.c.annullert.is_(False),
                                                   o.c.utskrevet_utc.is_(None), o.c.innlagt_utc < before_utc)


def _listed(virksomhet: str, regel: str, *columns):
    f = schema.funn
    return (f.select().with_only_columns(*columns)
            .where(f.c.virksomhet == virksomhet, f.c.regel == regel, f.c.lukket_utc.is_(None)))


def open_since_before_not_listed(connection, virksomhet: str, before_utc: str, regel: str) -> list[str]:
    """The ids, in order, of the unit's stays open since before ``before_utc`` that have no open
    finding of ``regel``. The store compares the two lists: most of these stays are on the list
    already, and are not read once per message."""
    f = schema.funn
    query = _open_since_before(virksomhet, before_utc).except_(_listed(virksomhet, regel, f.c.opphold_id))
    return sorted(row[0] for row in connection.execute(query))


def listed_not_open_since_before(connection, virksomhet: str, before_utc: str, regel: str) -> list[int]:
    """The ids of the unit's open findings of ``regel`` whose stay is no longer open since before
    ``before_utc`` (discharged, cancelled, or admitted later)."""
    f = schema.funn
    query = (_listed(virksomhet, regel, f.c.id).where(f.c.opphold_id.not_in(_open_since_before(virksomhet, before_utc)))
             .order_by(f.c.id))
    return [row[0] for row in connection.execute(query)]


def add_stays(connection, rows: list[dict]) -> None:
    if rows:
        write_many(connection, "opphold insert", schema.opphold.insert, rows)


# innlagt_meldt_utc is the first report's, as forst_mottatt_utc is; utskrevet_meldt_utc is the
# earliest of the versions with a discharge (see _replace_statement and note_reported).
REPLACED_COLUMNS = tuple(c.name for c in schema.opphold.columns
                         if c.name not in ("virksomhet", "opphold_id", "forst_mottatt_utc", "innlagt_meldt_utc"))
SET_ONCE = ("utskrevet_meldt_utc",)


def replace_stays(connection, rows: list[dict], same_person: bool = False) -> None:
    """New current versions of stays the register has (every column but the key and the times of
    first report; utskrevet_meldt_utc only while it is empty).

    ``same_person``: every row's person is the one stored, and is not written again, so that the
    stays keep their entries in ix_opphold_person (the store rewrites an index whose column is
    set, even to the value it had: a page of the index, all over it, for every stay)."""
    if not rows:
        return
    columns = tuple(name for name in REPLACED_COLUMNS if not (same_person and name == "person"))
    write_many(connection, f"opphold update {'same person' if same_person else 'all'}",
               lambda: _replace_statement(columns), [
                   {"key_virksomhet": row["virksomhet"], "key_opphold_id": row["opphold_id"],
                    **{f"new_{name}": row[name] for name in columns}} for row in rows])


def _replace_statement(columns: tuple[str, ...]):
    import sqlalchemy

    o = schema.opphold
    return (o.update()
            .where(o.c.virksomhet == sqlalchemy.bindparam("key_virksomhet"),
                   o.c.opphold_id == sqlalchemy.bindparam("key_opphold_id"))
            .values({name: _earliest(o.c[name], f"new_{name}")
                     if name in SET_ONCE else sqlalchemy.bindparam(f"new_{name}") for name in columns}))


def _earliest(column, parameter: str):
    """The earlier of the stored UTC text and the parameter's (which may be NULL): both stores, no LEAST()."""
    import sqlalchemy

    value = sqlalchemy.bindparam(parameter, type_=sqlalchemy.String)
    return sqlalchemy.case((sqlalchemy.and_(value.is_not(None), sqlalchemy.or_(column.is_(None), column > value)), value),
                           else_=column)


def note_reported(connection, virksomhet: str, rows: list[tuple[str, str, str | None]]) -> None:
    """(opphold_id, admission reported at, discharge reported at or None): a version the register
    kept out as late still tells when the stay, and its discharge, were first reported."""
    if rows:
        write_many(connection, "opphold reported", _reported_statement, [
            {"key_virksomhet": virksomhet, "key_opphold_id": sid, "innlagt_meldt": admitted, "utskrevet_meldt": discharged}
            for sid, admitted, discharged in rows])


def _reported_statement():
    import sqlalchemy

    o = schema.opphold
    return (o.update()
            .where(o.c.virksomhet == sqlalchemy.bindparam("key_virksomhet"),
                   o.c.opphold_id == sqlalchemy.bindparam("key_opphold_id"))
            .values(innlagt_meldt_utc=_earliest(o.c.innlagt_meldt_utc, "innlagt_meldt"),
                    utskrevet_meldt_utc=_earliest(o.c.utskrevet_meldt_utc, "utskrevet_meldt")))


def add_versions(connection, rows: list[dict]) -> None:
    if rows:
        write_many(connection, "versjon insert", schema.versjon.insert, rows)


_COMPILED: dict[tuple, object] = {}


def write_many(connection, name: str, statement: Callable, rows: list[dict]) -> None:
    """The statement ``statement()`` (known as ``name``) once for each row, the rows handed to the
    driver as they are.

    The register's columns are plain text, numbers and booleans, which both drivers take as
    Python gives them; SQLAlchemy's handling of each row's parameters cost more than the store's
    own work on the row. The statement is compiled once per kind of store and set of columns."""
    columns = tuple(rows[0])
    if connection.dialect.name == "postgresql" and name in _COPIED:
        return _copy_rows(connection, _COPIED[name], columns, rows)
    key = (name, connection.dialect.name, columns)
    compiled = _COMPILED.get(key)
    if compiled is None:
        compiled = _COMPILED[key] = statement().compile(dialect=connection.dialect, column_keys=list(columns),
                                                      for_executemany=True)
    if compiled.positional:  # SQLite: ?, in the statement's order
        order = compiled.positiontup
        parameters = [tuple(row[column] for column in order) for row in rows]
    else:  # psycopg: %(name)s
        parameters = [{column: row[column] for column in compiled.binds} for row in rows]
    connection.exec_driver_sql(compiled.string, parameters)


_COPIED = {"opphold insert": "opphold", "versjon insert": "versjon"}  # PostgreSQL: new rows by COPY


def _copy_rows(connection, table: str, columns: tuple[str, ...], rows: list[dict]) -> None:
    """New rows into ``table`` by COPY, in the connection's transaction: PostgreSQL takes a
    message's rows in one stream instead of a statement each."""
    cursor = connection.connection.driver_connection.cursor()
    try:
        with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(tuple(row[column] for column in columns))
    finally:
        cursor.close()


# -- the open list ------------------------------------------------------------------------
def _open_findings_of_stays_query(in_ids):
    import sqlalchemy

    f = schema.funn
    return (f.select().where(f.c.virksomhet == sqlalchemy.bindparam("unit"), in_ids(f.c.opphold_id),
                             f.c.lukket_utc.is_(None)).order_by(f.c.id))


def open_findings_of_stays(connection, virksomhet: str, opphold_ids: list[str]) -> list:
    query = _query(connection, "open_findings_of_stays", _open_findings_of_stays_query)
    rows = []
    for chunk in _chunks(sorted(set(opphold_ids))):
        rows += list(connection.execute(query, {"unit": virksomhet, "ids": chunk}))
    return rows


def open_findings_of_message_level(connection, virksomhet: str) -> list:
    """Open findings about a message, not one stay."""
    f = schema.funn
    query = f.select().where(f.c.virksomhet == virksomhet, f.c.opphold_id.is_(None),
                             f.c.lukket_utc.is_(None)).order_by(f.c.id)
    return list(connection.execute(query))


def open_findings_of_rule(connection, virksomhet: str, regel: str) -> list:
    f = schema.funn
    query = f.select().where(f.c.virksomhet == virksomhet, f.c.regel == regel,
                             f.c.lukket_utc.is_(None)).order_by(f.c.id)
    return list(connection.execute(query))


def add_findings(connection, rows: list[dict]) -> None:
    if rows:
        connection.execute(schema.funn.insert(), rows)


def close_findings(connection, ids: list[int], when_utc: str, by_message: int | None) -> None:
    f = schema.funn
    for chunk in _chunks(sorted(ids)):
        connection.execute(f.update().where(f.c.id.in_(chunk)).values(lukket_utc=when_utc, lukket_av=by_message))


# -- status ---------------------------------------------------------------------------------
def unit_status(connection, unit: str | None = None) -> list[dict]:
    """Per unit (all, or ``unit``): messages, stays, open findings by rule, the latest message."""
    import sqlalchemy

    m, o, f = schema.melding, schema.opphold, schema.funn
    count = sqlalchemy.func.count

    def where(table):
        return [table.c.virksomhet == unit] if unit is not None else []

    units: dict[str, dict] = {}

    def of(name: str) -> dict:
        return units.setdefault(name, {
            "virksomhet": name, "messages": {"total": 0, "taken_in": 0, "refused": 0},
            "last_received_utc": None, "last_created": None,
            "stays": {"current": 0, "open": 0, "cancelled": 0}, "open_findings": {}})

    rows = connection.execute(sqlalchemy.select(m.c.virksomhet, m.c.resultat, count(), sqlalchemy.func.max(m.c.mottatt_utc))
                              .where(*where(m)).group_by(m.c.virksomhet, m.c.resultat)
                              .order_by(m.c.virksomhet, m.c.resultat))
    for name, result, n, received in rows:
        unit_facts = of(name)
        unit_facts["messages"]["total"] += n
        unit_facts["messages"]["taken_in" if result == "tatt_inn" else "refused"] += n
        if received is not None and (unit_facts["last_received_utc"] or "") < received:
            unit_facts["last_received_utc"] = received
    latest = (sqlalchemy.select(m.c.virksomhet, m.c.opprettet).where(*where(m), m.c.resultat == "tatt_inn")
              .order_by(m.c.virksomhet, m.c.opprettet_utc.desc(), m.c.melding_id.desc()))
    for name, created in connection.execute(latest):
        if of(name)["last_created"] is None:
            of(name)["last_created"] = created
    ongoing = sqlalchemy.and_(o.c.annullert.is_(False), o.c.utskrevet_utc.is_(None))
    rows = connection.execute(sqlalchemy.select(o.c.virksomhet, o.c.annullert, ongoing.label("open"), count())
                              .where(*where(o)).group_by(o.c.virksomhet, o.c.annullert, ongoing)
                              .order_by(o.c.virksomhet, o.c.annullert, ongoing))
    for name, cancelled, is_open, n in rows:
        stays = of(name)["stays"]
        if cancelled:
            stays["cancelled"] += n
        else:
            stays["current"] += n
            stays["open"] += n if is_open else 0
    rows = connection.execute(sqlalchemy.select(f.c.virksomhet, f.c.regel, count())
                              .where(*where(f), f.c.lukket_utc.is_(None)).group_by(f.c.virksomhet, f.c.regel)
                              .order_by(f.c.virksomhet, f.c.regel))
    for name, rule_id, n in rows:
        of(name)["open_findings"][rule_id] = n
    return [units[name] for name in sorted(units)]


def unit_names(connection, unit: str | None = None) -> dict[str, str]:
    """Organisation number -> the unit's name as its latest message that gave one wrote it."""
    import sqlalchemy

    m = schema.melding
    query = (sqlalchemy.select(m.c.virksomhet, m.c.virksomhet_navn).where(m.c.virksomhet_navn.is_not(None))
             .order_by(m.c.virksomhet, m.c.opprettet_utc, m.c.id))
    if unit is not None:
        query = query.where(m.c.virksomhet == unit)
    return {orgnr: name for orgnr, name in connection.execute(query)}  # the latest wins
