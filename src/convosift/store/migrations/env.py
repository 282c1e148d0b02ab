"""Alembic environment: runs on the connection :class:`convosift.store.Store` hands over.

There is no alembic.ini: the store builds the Config in code and passes its open connection in
``config.attributes["connection"]``, so migrations run inside the store's own transaction.
"""

from __future__ import annotations

from alembic import context

from convosift.store.schema import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
