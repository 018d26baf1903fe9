"""Logging set-up, with a redaction filter on the root handler so card numbers never reach logs."""

from __future__ import annotations

import logging

from voicebot.language.redact import redact_numbers

__all__ = ["RedactingFilter", "configure_logging", "redact_numbers"]


class RedactingFilter(logging.Filter):
    """Rewrites each record's message after formatting its arguments."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact_numbers(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


def configure_logging(level: int = logging.INFO) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("faster_whisper", "httpx", "uvicorn.access"):
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING))
