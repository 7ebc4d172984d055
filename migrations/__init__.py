"""Alembic migrations (every one reversible); applied by `hallq db upgrade`."""
