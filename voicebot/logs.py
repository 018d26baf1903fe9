"""Logging set-up: every line passes through the privacy module's redaction on its way out."""

from __future__ import annotations

import logging

from voicebot.privacy import RedactingFilter, RedactingFormatter, redact_numbers

__all__ = ["RedactingFilter", "configure_logging", "redact_numbers"]


def configure_logging(level: int = logging.INFO) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("faster_whisper", "httpx", "uvicorn.access"):
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING))
