"""Storage: SQLAlchemy Core schema, Alembic migrations and repository functions.

Open a database with :class:`Store` (migrations are applied on open); repository functions take
a connection from ``store.read()`` or ``store.write()`` so a caller can put several of them in
one transaction.
"""

from convosift.store.database import Store
from convosift.store.errors import translated

__all__ = ["Store", "translated"]
