"""Alembic migrations: the schema exists only through these (SQLite and PostgreSQL alike)."""
