"""The register of stays: messages taken in over time, the current version of every stay, and the
rules only a history can check (KAD-REG-001 …, model/rules/register.yaml).

- ``keys``: the operator's key and the pseudonym it makes of a person (no id is ever stored);
- ``schema``: the tables (SQLAlchemy Core), made by the Alembic migrations in ``migrations/``;
- ``store``: :class:`~kad_spec.register.store.Register`, open, transactions and queries;
- ``ingest``: messages validated by the engine and applied, one transaction each;
- ``history``: the history rules, pure functions over the stored and the new version.

See docs/register.md.
"""
