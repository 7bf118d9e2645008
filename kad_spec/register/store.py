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
from typing import Iterator
from urllib.parse import urlsplit, urlunsplit

from kad_spec.spec.text import Text

from kad_spec.register import schema

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
OUR_TABLES = frozenset(table.name for table in schema.TABLES) | {"alembic_version"}
SQLITE_BUSY_SECONDS = 600  # how long a writer waits for another one on a SQLite file
ADVISORY_LOCK = 0x4B41445F524547  # "KAD_REG": the lock one PostgreSQL register's writers take in turn
KEY_CHECK = "nokkel_kontroll"


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
        self.is_sqlite = engine.dialect.name == "sqlite"

    # -- opening ----------------------------------------------------------------------------
    @classmethod
    def open(cls, url: str) -> "Register":
        """The register at ``url``, made or upgraded to this version's schema; RegisterError when it cannot be."""
        register = cls(_engine(url), url)
        try:
            register._make_current()
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
    cursor.close()


def _sqlite_begin(connection) -> None:
    # The write lock at the start: a writer that finds another waits (busy timeout) instead of
    # failing halfway when its read lock cannot be made a write lock.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def _reason(error) -> str:
    text = str(getattr(error, "orig", None) or error).strip()
    return text.splitlines()[0] if text else type(error).__name__
