"""The register's store on SQLite and PostgreSQL: made and upgraded by its migrations, refusing what is
not a register; the operator's key and the pseudonym it makes."""

from __future__ import annotations

import re

import pytest
import sqlalchemy

from conftest import invoke
from kad_spec.register import keys, schema
from kad_spec.register.store import Register, RegisterError, engine_url


def tables_of(url: str) -> set[str]:
    engine = sqlalchemy.create_engine(engine_url(url))
    try:
        with engine.connect() as connection:
            return set(sqlalchemy.inspect(connection).get_table_names())
    finally:
        engine.dispose()


def execute(url: str, *statements: str) -> None:
    engine = sqlalchemy.create_engine(engine_url(url))
    try:
        with engine.begin() as connection:
            for statement in statements:
                connection.execute(sqlalchemy.text(statement))
    finally:
        engine.dispose()


# -- schema and migrations ------------------------------------------------------------------------
def test_a_new_register_gets_every_table_at_the_current_version(register_url):
    with Register.open(register_url):
        pass
    assert tables_of(register_url) == {t.name for t in schema.TABLES} | {"alembic_version"}
    with Register.open(register_url) as register, register.transaction() as connection:
        version = connection.execute(sqlalchemy.text("SELECT version_num FROM alembic_version")).scalar_one()
    assert version == schema.SCHEMA_VERSION


def test_the_migrations_make_exactly_the_schema_of_schema_py(register_url):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with Register.open(register_url) as register, register.transaction() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), schema.metadata)
    assert differences == []


def test_schema_version_is_the_last_migration():
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from kad_spec.register.store import MIGRATIONS

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    assert ScriptDirectory.from_config(config).get_current_head() == schema.SCHEMA_VERSION


def test_a_database_with_other_tables_is_refused_and_left_alone(register_url):
    execute(register_url, "CREATE TABLE kunder (id INTEGER)")
    with pytest.raises(RegisterError, match="er ikke et kad-spec-register: den har tabeller \\(kunder\\)"):
        Register.open(register_url)
    assert tables_of(register_url) == {"kunder"}


def test_a_register_of_a_newer_kad_spec_is_refused(register_url):
    with Register.open(register_url):
        pass
    execute(register_url, "UPDATE alembic_version SET version_num = '9999'")
    with pytest.raises(RegisterError) as refused:
        Register.open(register_url)
    assert "skjemaversjon 9999" in refused.value.text("nb")
    assert "schema version 9999" in refused.value.text("en")


def test_a_file_that_is_no_database_is_refused(tmp_path):
    path = tmp_path / "notater.db"
    path.write_text("dette er ingen database\n" * 100, encoding="utf-8")
    with pytest.raises(RegisterError, match="ikke en SQLite-database"):
        Register.open(f"sqlite:///{path}")
    assert path.read_text(encoding="utf-8").startswith("dette er ingen database")


def test_a_folder_that_does_not_exist_is_said_plainly(tmp_path):
    with pytest.raises(RegisterError, match="finnes ikke"):
        Register.open(f"sqlite:///{tmp_path / 'mangler' / 'register.db'}")


def test_a_server_that_does_not_answer_is_a_register_error():
    with pytest.raises(RegisterError, match="kan ikke åpne registeret postgresql://root@127.0.0.1:1/x"):
        Register.open("postgresql://root@127.0.0.1:1/x")


def test_a_bare_path_is_a_sqlite_file_and_other_kinds_are_refused(tmp_path):
    assert engine_url(str(tmp_path / "r.db")) == f"sqlite:///{tmp_path / 'r.db'}"
    assert engine_url("postgresql://u@h/d") == "postgresql+psycopg://u@h/d"
    with pytest.raises(RegisterError, match="SQLite-fil"):
        engine_url("mysql://u@h/d")


def test_a_password_is_never_shown():
    with pytest.raises(RegisterError) as refused:
        Register.open("postgresql://root:hemmelig@127.0.0.1:1/x")
    assert "hemmelig" not in refused.value.text() and "root:***@" in refused.value.text()


# -- the key ----------------------------------------------------------------------------------------
KEY = "0123456789abcdef" * 4


def test_the_key_comes_from_the_file_before_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv(keys.KEY_ENV, "e" * 40)
    path = tmp_path / "register.key"
    path.write_text(f"  {KEY}\n", encoding="utf-8")
    assert keys.load_key(path) == KEY.encode()
    assert keys.load_key(None) == b"e" * 40


@pytest.mark.parametrize("lang, words", [("nb", "ingen er gitt"), ("en", "none was given")])
def test_no_key_says_how_to_make_one(monkeypatch, lang, words):
    monkeypatch.delenv(keys.KEY_ENV, raising=False)
    with pytest.raises(keys.RegisterKeyError) as missing:
        keys.load_key(None)
    text = missing.value.text(lang)
    assert words in text and "kad-spec register key new > register.key" in text


def test_a_short_key_is_refused_in_either_language(tmp_path):
    path = tmp_path / "kort.key"
    path.write_text("abc", encoding="utf-8")
    with pytest.raises(keys.RegisterKeyError) as short:
        keys.load_key(path)
    assert f"nøkkelen fra {path} er for kort (3 tegn)" in short.value.text("nb")
    assert f"the key from {path} is too short (3 characters)" in short.value.text("en")


def test_the_pseudonym_is_the_same_for_one_person_and_key_and_tells_nothing():
    one = keys.pseudonym(KEY.encode(), "FNR", "12834041276")
    assert one == keys.pseudonym(KEY.encode(), "FNR", "12834041276")
    assert one != keys.pseudonym(KEY.encode(), "DNR", "12834041276")
    assert one != keys.pseudonym(("f" * 64).encode(), "FNR", "12834041276")
    assert re.fullmatch("[0-9a-f]{64}", one) and "12834041276" not in one


def test_key_new_writes_a_fresh_key_whole():
    first, second = invoke("register", "key", "new"), invoke("register", "key", "new")
    assert first.exit_code == 0
    assert re.fullmatch("[0-9a-f]{64}\n", first.stdout) and first.stdout != second.stdout


def test_a_register_knows_its_key_again(register_url):
    with Register.open(register_url) as register:
        with register.transaction() as connection:
            register.check_key(connection, KEY.encode())
        with register.transaction() as connection:
            register.check_key(connection, KEY.encode())
        with pytest.raises(RegisterError, match="nøkkelen er ikke den registeret"):
            with register.transaction() as connection:
                register.check_key(connection, ("f" * 64).encode())
