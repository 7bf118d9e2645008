"""The two stores every register test runs against: SQLite (a file) and PostgreSQL (a server).

``register_url`` is parametrised over both: a test that takes it runs twice, once with a fresh
SQLite file and once with an empty PostgreSQL database. The PostgreSQL server is the one in
``KAD_SPEC_TEST_POSTGRES`` (default: the local server, trust authentication). The test session
creates a database of its own, ``kad_test_<random>``, empties it before each test and drops it
at the end, so the server's other databases are never touched.

Without a server the PostgreSQL half skips, saying why; with ``CI`` set it fails instead, so
that a CI machine without PostgreSQL cannot pass by skipping.
"""

from __future__ import annotations

import os
import secrets
from urllib.parse import urlsplit, urlunsplit

import pytest

POSTGRES_ENV = "KAD_SPEC_TEST_POSTGRES"
DEFAULT_POSTGRES = "postgresql://root@127.0.0.1:5432/postgres"
STORES = ("sqlite", "postgresql")


def server_url() -> str:
    return os.environ.get(POSTGRES_ENV) or DEFAULT_POSTGRES


def with_database(url: str, name: str) -> str:
    """``url`` with its database (the path) replaced by ``name``."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


def _driver_url(url: str) -> str:
    """psycopg takes ``postgresql://``; SQLAlchemy's ``postgresql+psycopg://`` is the same server."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def _admin(url: str):
    import psycopg

    return psycopg.connect(_driver_url(url), autocommit=True, connect_timeout=5)


class PostgresDatabase:
    """The session's own database on the test server, made on first use and dropped at the end."""

    def __init__(self, url: str):
        self.server = url
        self.name = f"kad_test_{secrets.token_hex(6)}"
        self.url = with_database(url, self.name)
        self.unavailable: str | None = None
        self.created = False

    def create(self) -> None:
        try:
            with _admin(self.server) as connection:
                connection.execute(f'CREATE DATABASE "{self.name}"')
            self.created = True
        except Exception as error:  # noqa: BLE001 - any failure to reach the server is the reason to skip
            self.unavailable = f"PostgreSQL svarer ikke på {_without_password(self.server)} ({POSTGRES_ENV}): " \
                               f"{type(error).__name__}: {str(error).strip().splitlines()[0] if str(error).strip() else ''}"

    def empty(self) -> None:
        """No table left from the test before: the public schema made anew."""
        with _admin(self.url) as connection:
            connection.execute("DROP SCHEMA public CASCADE")
            connection.execute("CREATE SCHEMA public")

    def drop(self) -> None:
        if not self.created:
            return
        with _admin(self.server) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def _without_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


@pytest.fixture(scope="session")
def postgres_database():
    """The session's PostgreSQL database (skip, or fail under CI, when the server does not answer)."""
    database = PostgresDatabase(server_url())
    database.create()
    yield database
    database.drop()


@pytest.fixture(params=STORES)
def register_url(request, tmp_path) -> str:
    """The URL of an empty register: a new SQLite file, or the session's emptied PostgreSQL database."""
    return empty_register(request, request.param, tmp_path)


def require_server(database: PostgresDatabase) -> None:
    """Skip when the PostgreSQL server does not answer; under CI, fail instead."""
    if database.unavailable:
        if os.environ.get("CI"):
            pytest.fail(f"{database.unavailable}; CI krever en PostgreSQL-server", pytrace=False)
        pytest.skip(database.unavailable)


def empty_register(request, store: str, folder) -> str:
    """The URL of an empty register on ``store``: a new SQLite file in ``folder``, or the
    session's PostgreSQL database, emptied."""
    if store == "sqlite":
        return f"sqlite:///{folder / 'register.db'}"
    database = request.getfixturevalue("postgres_database")
    require_server(database)
    database.empty()
    return database.url
