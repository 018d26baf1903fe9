"""Figures as a CSV download: named for what they are and the days they cover, never cached."""

from __future__ import annotations

from typing import Any

from fastapi import Response


def csv_download(text: str, what: str, figures: dict[str, Any]) -> Response:
    """``text`` as ``voicebot-<what>-<from>-to-<to>.csv``, from the range in ``figures``."""
    name = f"voicebot-{what}-{figures['from']}-to-{figures['to']}.csv"
    return Response(text, media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})
