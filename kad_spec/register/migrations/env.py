"""Alembic's environment for the register: run in code by kad_spec.register.store, never by an alembic.ini.

The store hands over its connection, already in the transaction (and holding the lock) in which
it found the register's version; the migrations run inside it, so a register is upgraded whole
or not at all.
"""

from alembic import context

from kad_spec.register.schema import metadata

connection = context.config.attributes["connection"]
# render_as_batch: a later migration that changes a column must work on SQLite too (table copied).
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
