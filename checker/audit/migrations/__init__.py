"""Alembic migrations of the audit history database (applied by history.connect)."""
