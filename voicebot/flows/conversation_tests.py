"""Conversation tests that staff write next to the flows, in YAML.

    - test: next bin day for a known address
      turns:
        - caller: "when are my bins collected"
        - bot: {asks: postcode}
        - caller: "L S six two Q T"
        - bot: {says: "house number"}
        - keys: "0"                      # keypad entry
        - silence: true                  # the caller says nothing
        - bot: {transfers: bins}         # or {ends: true}, {says: "regex"}, {not_says: "regex"}
        - bot: {language: cy}            # the call (or its transfer) is in Welsh
        - bot: {callback: council_tax}   # a call back was booked for that team
        - bot: {message: council_tax}    # a message was left for that team
        - bot: {transfers: housing, emergency: true}   # to the team's emergency line

A test may say ``conversation_languages: [cy]`` to run as a service that holds calls in Welsh.

A test may set ``clock: 2026-11-29 02:00`` (the council's local time): it then runs on real
opening hours stopped at that moment (``voicebot.handoff.rehearsal``: every team open Monday to
Friday 9am to 5pm with the England and Wales bank holidays, emergency lines always open,
changed under ``line:``). Without a clock every team is open. ``caller_number`` is the number
the caller rings from (``+447700900123`` unless the test says; ``""`` for a withheld one).

``says`` is a regular expression matched (case-insensitively) against everything the bot said
since the caller's last turn.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from voicebot.errors import FlowSchemaError
from voicebot.events import CallEvent, CallEventType
from voicebot.flows.actions import Action, AgentHours, CallerTurn, Handover, Hangup, Listen, Say
from voicebot.flows.conversation_schema import TURN_KINDS, ConversationTestFile
from voicebot.flows.engine import Dialogue
from voicebot.flows.loader import Problem, one_of_kinds, read, shape_problems
from voicebot.flows.registry import FlowSet


@dataclass
class TestResult:
    name: str
    file: Path
    failures: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.failures


class AlwaysOpen:
    """Agents available: conversation tests about transfers should not depend on the clock."""

    def closed_message(self, team: str, language: str = "en") -> str | None:
        return None


def read_tests(folder: Path) -> tuple[list[tuple[Path, dict[str, Any]]], list[Problem]]:
    """Every test in ``folder``'s test files, and every problem with their shape."""
    tests: list[tuple[Path, dict[str, Any]]] = []
    problems: list[Problem] = []
    for file in sorted(folder.glob("*.test.yaml")):
        found = read_test_file(file)
        if isinstance(found, list):
            problems += found
        else:
            tests += [(file, case) for case in found.cases]
    return tests, problems


@dataclass
class TestFile:
    cases: list[dict[str, Any]]


def read_test_file(file: Path) -> TestFile | list[Problem]:
    """One test file checked against ``ConversationTestFile`` and its turn kinds."""
    read_result = read(file)
    if isinstance(read_result, Problem):
        return [read_result]
    data, where = read_result
    data = [] if data is None else data
    try:
        ConversationTestFile.model_validate(data)
        problems: list[Problem] = []
    except ValidationError as err:
        problems = shape_problems(err, where, ConversationTestFile)
    cases = [case for case in data if isinstance(case, dict)] if isinstance(data, list) else []
    for index, case in enumerate(data if isinstance(data, list) else []):
        turns = case.get("turns") if isinstance(case, dict) else None
        for number, turn in enumerate(turns if isinstance(turns, list) else []):
            if isinstance(turn, dict):
                problems += one_of_kinds(turn, TURN_KINDS, where, (index, "turns", number),
                                         "a turn")[1]
    return problems or TestFile(cases)


def load_tests(folder: Path) -> list[tuple[Path, dict[str, Any]]]:
    """Every test in ``folder``; a file of the wrong shape is an error naming its places."""
    tests, problems = read_tests(folder)
    if problems:
        raise FlowSchemaError("conversation-tests", "\n".join(str(p) for p in problems))
    return tests


TEST_CALLER = "+447700900123"

Line = Callable[[dict[str, Any]], AgentHours]
"""Builds the opening hours a test with a ``clock`` runs on (``handoff.rehearsal``)."""


async def run_test(case: dict[str, Any], file: Path, flow_set: FlowSet,
                   make_services: Callable[[], Any], hours: AgentHours | None = None,
                   line: Line | None = None) -> TestResult:
    result = TestResult(str(case.get("test", "unnamed")), file)
    if ("clock" in case or "line" in case) and hours is None:
        if line is None:
            result.failures.append("this test sets a clock, but no opening hours were given")
            return result
        hours = line(case)
    events: list[CallEvent] = []
    dialogue = Dialogue(flow_set, make_services(), events.append, "CA-test", hours or AlwaysOpen(),
                        conversing=case.get("conversation_languages", ["en"]),
                        caller=str(case.get("caller_number", TEST_CALLER)))
    actions = await dialogue.start()
    seen = 0
    for number, turn in enumerate(case.get("turns", []), 1):
        where = f"turn {number}"
        if "caller" in turn:
            actions = await dialogue.hear(CallerTurn(text=str(turn["caller"])))
        elif "keys" in turn:
            actions = await dialogue.hear(CallerTurn(digits=str(turn["keys"])))
        elif "silence" in turn:
            actions = await dialogue.silence()
        elif "bot" in turn:
            result.failures += [f"{where}: {f}" for f in _expect(turn["bot"], actions, dialogue)]
            result.failures += [f"{where}: {f}" for f in _booked(turn["bot"], events[seen:])]
            seen = len(events)
        else:
            result.failures.append(f"{where}: unknown turn {turn!r}")
    return result


def _expect(want: dict[str, Any], actions: list[Action], dialogue: Dialogue) -> list[str]:
    said = " ".join(a.text for a in actions if isinstance(a, Say))
    failures = []
    if "says" in want and not re.search(str(want["says"]), said, re.IGNORECASE):
        failures.append(f"expected the bot to say /{want['says']}/, it said: {said!r}")
    if "not_says" in want and re.search(str(want["not_says"]), said, re.IGNORECASE):
        failures.append(f"the bot said /{want['not_says']}/: {said!r}")
    if "asks" in want:
        listen = next((a for a in actions if isinstance(a, Listen)), None)
        asked = listen.expect.slot_type if listen else None
        if asked != want["asks"]:
            failures.append(f"expected the bot to ask for {want['asks']}, it asked for {asked} "
                            f"(said: {said!r})")
    if "transfers" in want:
        handover = next((a for a in actions if isinstance(a, Handover)), None)
        if handover is None or handover.team != want["transfers"]:
            failures.append(f"expected a transfer to {want['transfers']}, got "
                            f"{handover.team if handover else 'none'} (said: {said!r})")
    if want.get("ends") and not any(isinstance(a, Hangup) for a in actions):
        failures.append(f"expected the call to end (said: {said!r})")
    if "language" in want:
        handover = next((a for a in actions if isinstance(a, Handover)), None)
        spoken = handover.language if handover else dialogue.language
        if spoken != want["language"]:
            failures.append(f"expected the call in {want['language']}, it is in {spoken}")
    if "verified" in want and dialogue.verified != bool(want["verified"]):
        failures.append(f"expected verified={want['verified']}, was {dialogue.verified}")
    if "emergency" in want:
        handover = next((a for a in actions if isinstance(a, Handover)), None)
        if handover is None or handover.emergency != bool(want["emergency"]):
            failures.append(f"expected emergency={want['emergency']}, got "
                            f"{handover.emergency if handover else 'no transfer'}")
    return failures


def _booked(want: dict[str, Any], events: list[CallEvent]) -> list[str]:
    """``callback: team`` / ``message: team``: booked since the last check, for that team."""
    failures = []
    for key, kind in (("callback", CallEventType.CALLBACK), ("message", CallEventType.MESSAGE)):
        if key not in want:
            continue
        teams = [str(e.data.get("team")) for e in events if e.type == kind]
        if want[key] not in teams:
            failures.append(f"expected a {key} for {want[key]}, got {teams or 'none'}")
    return failures


def fixed_today() -> date:
    """Conversation tests run on a fixed date so bin days and 'due' never drift."""
    return date(2026, 11, 24)
