"""The register as one process of the service uses it: opened once, and read without the writers' lock.

:meth:`Register.transaction` holds the register's write lock (SQLite: ``BEGIN IMMEDIATE``;
PostgreSQL: an advisory lock), so that two ingests are applied one after the other. A token
check, a unit's status or its open findings only read: they must not wait for a large message
being taken in. :meth:`ServiceRegister.reading` gives a connection that reads what is committed
and takes no lock: on SQLite a second engine in the driver's autocommit mode and ``query_only``,
on PostgreSQL a plain connection (its own snapshot per statement, no advisory lock).
:meth:`ServiceRegister.snapshot` is the same for a reader of many statements that must agree (a
report): one read transaction, still without the lock (SQLite: ``BEGIN`` in WAL mode; PostgreSQL:
``REPEATABLE READ``, read only).
"""

from __future__ import annotations

import contextlib
import threading
from typing import Iterator

READ_BUSY_SECONDS = 30  # a reader waits this long for a writer's commit on SQLite


class ServiceRegister:
    """The register at ``url``, opened (made or upgraded) on first use, shared by the threads of a process."""

    def __init__(self, url: str):
        self.url = url
        self.lock = threading.Lock()
        self._register = None
        self._reader = None

    def register(self):
        """The open register (kad_spec.register.store.Register); RegisterError when it cannot be opened."""
        with self.lock:
            if self._register is None:
                from kad_spec.register.store import Register

                self._register = Register.open(self.url)
            return self._register

    @contextlib.contextmanager
    def reading(self) -> Iterator:
        """A connection that reads the register without its write lock."""
        engine = self._reading_engine()
        with engine.connect() as connection:
            yield connection

    @contextlib.contextmanager
    def snapshot(self) -> Iterator:
        """A connection that reads one committed state of the register for as long as it is held,
        without the write lock: what an ingest commits meanwhile is not seen, and it is not held up."""
        engine = self._reading_engine()
        with engine.connect() as connection:
            if self.register().is_sqlite:
                connection.exec_driver_sql("BEGIN")  # deferred: a read transaction, one snapshot of the WAL
            else:
                connection = connection.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
            try:
                yield connection
            finally:
                connection.rollback()  # it only read

    def _reading_engine(self):
        register = self.register()
        if not register.is_sqlite:
            return register.engine  # connect() alone takes no advisory lock: only transaction() does
        with self.lock:
            if self._reader is None:
                self._reader = _sqlite_reader(register.engine.url)
            return self._reader

    def close(self) -> None:
        with self.lock:
            if self._reader is not None:
                self._reader.dispose()
            if self._register is not None:
                self._register.close()
            self._register = self._reader = None


def _sqlite_reader(url):
    import sqlalchemy

    engine = sqlalchemy.create_engine(url, connect_args={"timeout": READ_BUSY_SECONDS})

    def autocommit_and_read_only(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None  # no BEGIN: each statement reads what is committed
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA query_only=ON")
        cursor.close()

    sqlalchemy.event.listen(engine, "connect", autocommit_and_read_only)
    return engine
