"""The stores the register tests run against: each test gets an empty one, and a missing server says why."""

from __future__ import annotations

import os
import subprocess
import sys

import sqlalchemy

from conftest import ROOT
from register_stores import PostgresDatabase


def engine_for(url: str):
    return sqlalchemy.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))


def test_each_test_gets_an_empty_store(register_url):
    engine = engine_for(register_url)
    try:
        with engine.begin() as connection:
            assert sqlalchemy.inspect(connection).get_table_names() == []
            connection.execute(sqlalchemy.text("CREATE TABLE left_behind (x INTEGER)"))
    finally:
        engine.dispose()


def test_and_the_next_test_finds_nothing_left_behind(register_url):
    engine = engine_for(register_url)
    try:
        with engine.connect() as connection:
            assert "left_behind" not in sqlalchemy.inspect(connection).get_table_names()
    finally:
        engine.dispose()


def test_a_server_that_does_not_answer_is_a_reason_not_an_error():
    database = PostgresDatabase("postgresql://root@127.0.0.1:1/postgres")
    database.create()
    assert database.unavailable.startswith("PostgreSQL svarer ikke på postgresql://root@127.0.0.1:1/postgres")
    database.drop()  # nothing was made: nothing to drop, no error


def run_a_register_test(tmp_path, **env) -> subprocess.CompletedProcess:
    """One register test in its own pytest, against a server that does not answer."""
    test = tmp_path / "test_one_store.py"
    test.write_text("def test_store(register_url):\n    assert register_url\n", encoding="utf-8")
    (tmp_path / "conftest.py").write_text(f"import sys\nsys.path.insert(0, {str(ROOT / 'tests')!r})\n"
                                          "from register_stores import postgres_database, register_url\n",
                                          encoding="utf-8")
    environment = {k: v for k, v in os.environ.items() if k != "CI"}
    environment.update(KAD_SPEC_TEST_POSTGRES="postgresql://root@127.0.0.1:1/postgres", **env)
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", str(test)],
                          cwd=tmp_path, env=environment, capture_output=True, text=True, timeout=120)


def test_without_a_server_the_postgresql_half_skips_saying_why(tmp_path):
    run = run_a_register_test(tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "1 passed, 1 skipped" in run.stdout
    assert "PostgreSQL svarer ikke" in run.stdout


def test_with_ci_set_a_missing_server_fails(tmp_path):
    run = run_a_register_test(tmp_path, CI="1")
    assert run.returncode == 1, run.stdout + run.stderr
    assert "1 passed, 1 error" in run.stdout  # failed in the fixture: an error, never a skip
    assert "CI krever en PostgreSQL-server" in run.stdout
