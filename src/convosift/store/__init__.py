"""Storage: SQLAlchemy Core schema, Alembic migrations and repository functions.

Open a database with :class:`Store` (migrations are applied on open); repository functions take
a connection from ``store.read()`` or ``store.write()`` so a caller can put several of them in
one transaction. :data:`Connection` is exported so code outside ``store/`` can annotate such a
connection without importing SQLAlchemy.
"""

from sqlalchemy.engine import Connection

from convosift.store.database import Store
from convosift.store.errors import translated

__all__ = ["Connection", "Store", "translated"]
