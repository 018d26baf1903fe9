"""``voicebot calls list|show``: the call records in a terminal, for staff on the server.

What is printed is exactly what ``/api/calls`` serves (the records' own shapes, so numbers are
masked and card-like numbers redacted the same way); ``--json`` prints it as the API does.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from voicebot.config import Settings, load_settings
from voicebot.errors import DataError
from voicebot.records import CallRecords


@contextmanager
def _records(settings: Settings) -> Iterator[CallRecords]:
    if not settings.database.exists():
        raise DataError("no-records", f"no call records at {settings.database} (is state_dir "
                        "the service's? see docs/configuration.md)")
    records = CallRecords(settings.database)
    try:
        yield records
    finally:
        records.close()


def list_command(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    with _records(settings) as records:
        calls = records.list_calls(args.limit)
    if args.json:
        print(json.dumps({"calls": calls}, indent=2, ensure_ascii=False))
        return 0
    zone = ZoneInfo(settings.timezone)
    print(f"{'started':19}  {'call':34}  {'from':16}  {'outcome':12}  why")
    for call in calls:
        print(f"{_local(call['started_at'], zone):19}  {call['call_sid']:34}  "
              f"{call['from']:16}  {call['outcome'] or 'in progress':12}  {_why(call)}")
    if not calls:
        print("(no calls on record)")
    return 0


def show_command(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    with _records(settings) as records:
        call = records.get_call(args.sid)
    if call is None:
        print(f"no call {args.sid!r} on record")
        return 1
    if args.json:
        print(json.dumps(call, indent=2, ensure_ascii=False))
        return 0
    for line in describe(call, ZoneInfo(settings.timezone)):
        print(line)
    return 0


def describe(call: dict[str, Any], zone: tzinfo) -> Iterator[str]:
    """A call record as lines for a person: who, when, how it ended, then turn by turn."""
    yield f"call      {call['call_sid']}"
    yield f"from      {call['from']}  to {call['to'] or '-'}"
    yield f"started   {_local(call['started_at'], zone)}  ended {_local(call['ended_at'], zone)}"
    yield f"outcome   {call['outcome'] or 'in progress'}  {_why(call)}".rstrip()
    yield f"verified  {'yes' if call['verified'] else 'no'}"
    if call["slots"]:
        yield "answers   " + ", ".join(f"{k}={v}" for k, v in call["slots"].items())
    if (transfer := call["transfer"]) and transfer.get("summary"):
        yield f"summary   {transfer['summary']}"
    yield ""
    for turn in call["turns"]:
        yield f"{_local(turn['at'], zone)[11:]}  {turn['who']:6}  {turn['text']}"
        if turn["who"] == "caller" and (turn.get("intent") or turn.get("slots")):
            understood = [f"intent {turn['intent']} ({turn['score']})"] if turn.get("intent") \
                else []
            understood += [f"{k}={v}" for k, v in (turn.get("slots") or {}).items()]
            yield f"{'':16}-> {', '.join(understood)}"
        elif turn["who"] == "bot" and turn.get("interrupted"):
            yield f"{'':16}(interrupted)"
    for error in call["errors"]:
        yield f"error     {_local(error['at'], zone)[11:]}  {error.get('code')}: " \
              f"{error.get('message')}"


def _why(call: dict[str, Any]) -> str:
    transfer = call.get("transfer")
    if transfer:
        return f"to {transfer['team']}: {transfer['reason']}"
    return str(call.get("reason") or "")


def _local(stamp: str | None, zone: tzinfo) -> str:
    """An API timestamp (ISO 8601, UTC) as the council's wall-clock time."""
    if not stamp:
        return "-"
    return datetime.fromisoformat(stamp).astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    calls = commands.add_parser("calls", help="read the call records (redacted as the API is)")
    sub = calls.add_subparsers(dest="calls_command", required=True)
    listing = sub.add_parser("list", help="the most recent calls, newest first")
    listing.add_argument("--limit", type=int, default=20, help="how many (default 20)")
    listing.set_defaults(run=list_command)
    show = sub.add_parser("show", help="one call, turn by turn")
    show.add_argument("sid", help="the call's sid (from 'voicebot calls list')")
    show.set_defaults(run=show_command)
    for command in (listing, show):
        command.add_argument("--json", action="store_true", help="print it as /api/calls does")
