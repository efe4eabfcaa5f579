"""Alembic migrations of the warehouse (tables from `models`, views from `sql/views`)."""
