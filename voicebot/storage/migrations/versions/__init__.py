"""One module per schema version, applied in order (Alembic ignores this file)."""
