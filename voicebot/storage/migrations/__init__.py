"""Alembic migrations of voicebot's database (run at start-up by ``voicebot.storage.migrate``)."""
