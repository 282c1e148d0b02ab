"""Storage: SQLAlchemy Core schema, Alembic migrations and repository functions."""
