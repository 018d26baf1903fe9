"""Allows `python -m voicebot`."""

from voicebot.cli import main

raise SystemExit(main())
