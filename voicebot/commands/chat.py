"""``voicebot chat`` and ``voicebot flows check|test``: the staff tools for flows."""

from __future__ import annotations

import argparse
import asyncio
import functools
import tempfile
from pathlib import Path

from voicebot.commands import flow_schema
from voicebot.config import Settings, load_settings
from voicebot.council.actions import Services
from voicebot.council.data import CouncilData
from voicebot.flows.actions import CallerTurn, Handover, Hangup, Listen, Say
from voicebot.flows.conversation_tests import fixed_today, read_tests, run_test
from voicebot.flows.engine import Dialogue
from voicebot.flows.reading import explain
from voicebot.flows.registry import FlowSet, build
from voicebot.speech.recordings import load_book

TEAMS_FALLBACK = ("general", "bins", "council_tax")


def _settings(args: argparse.Namespace) -> Settings:
    overrides = {"data_dir": args.data, "flows_dir": args.flows}
    return load_settings(args.config, **{k: v for k, v in overrides.items() if v is not None})


def _teams(settings: Settings) -> list[str]:
    return sorted(set(settings.transfer_targets) | set(TEAMS_FALLBACK))


def _checked(folder: Path, settings: Settings) -> FlowSet | None:
    """The flow set in ``folder``, or None after printing every problem in it."""
    with tempfile.TemporaryDirectory() as scratch:
        actions = Services(CouncilData(), Path(scratch) / "cases.db").actions
        built = build(folder, actions, _teams(settings), prepare_audio=load_book)
    if isinstance(built, list):
        for problem in built:
            print(problem)
        print(f"{len(built)} problem(s); the service keeps its last good flows until fixed")
        return None
    return built


def checked_flows(args: argparse.Namespace) -> FlowSet | None:
    """The flows named on the command line (or configured), checked; None after problems."""
    settings = _settings(args)
    return _checked(args.folder or settings.flows_dir, settings)


def check_command(args: argparse.Namespace) -> int:
    settings = _settings(args)
    folder = args.folder or settings.flows_dir
    built = _checked(folder, settings)
    if built is None:
        return 1
    recorded = f", {len(built.recordings)} recorded prompts" if built.recordings else ""
    print(f"{folder}: {len(built.flows)} flows, {len(built.intents)} intents{recorded}: "
          "all good")
    return 0


def test_command(args: argparse.Namespace) -> int:
    settings = _settings(args)
    folder = args.folder or settings.flows_dir
    return asyncio.run(_run_tests(folder, settings))


async def _run_tests(folder: Path, settings: Settings) -> int:
    from voicebot.handoff.rehearsal import rehearsal

    built = _checked(folder, settings)
    if built is None:
        return 1
    with tempfile.TemporaryDirectory() as scratch:
        council = CouncilData.load(settings.data_dir, today=fixed_today)
        passed = failed = 0
        tests, problems = read_tests(folder / "tests")
        for problem in problems:
            print(problem)
        for number, (file, case) in enumerate(tests):
            # Each test gets its own case store, so one test's report is not another's
            # "already reported" (as in the pytest run).
            cases = Path(scratch) / f"cases-{number}.db"
            result = await run_test(case, file, built, functools.partial(Services, council, cases),
                                    line=functools.partial(rehearsal, flows=built))
            if result.passed:
                passed += 1
                print(f"PASS {file.name}: {result.name}")
            else:
                failed += 1
                print(f"FAIL {file.name}: {result.name}")
                for failure in result.failures:
                    print(f"     {failure}")
    print(f"{passed} passed, {failed} failed" + (f", {len(problems)} problem(s) in the test "
                                                 "files" if problems else ""))
    return 1 if failed or problems else 0


def chat_command(args: argparse.Namespace) -> int:
    return asyncio.run(_chat(_settings(args), explaining=bool(args.explain)))


async def _chat(settings: Settings, explaining: bool = False) -> int:
    from voicebot.handoff import Handoff

    council = CouncilData.load(settings.data_dir)
    services = Services(council, settings.database)
    handoff = Handoff(settings)
    built = build(settings.flows_dir, services.actions, _teams(settings))
    if isinstance(built, list):
        for problem in built:
            print(problem)
        return 1
    dialogue = Dialogue(built, services, lambda event: None, "CHAT", handoff)
    print("Type what the caller says; digits alone are keypad presses; an empty line is "
          "silence; Ctrl-D ends.\n")
    actions = await dialogue.start()
    while True:
        for action in actions:
            if isinstance(action, Say):
                print(f"bot: {action.text}")
            elif isinstance(action, Handover):
                print(f"[transfer to {action.team}: {action.reason} | {action.summary}]")
                return 0
            elif isinstance(action, Hangup):
                print(f"[call ended: {action.reason}]")
                return 0
            elif isinstance(action, Listen) and action.expect.slot_type:
                print(f"     (listening for {action.expect.slot_type})")
        try:
            line = (await asyncio.to_thread(input, "you: ")).strip()
        except EOFError:
            return 0
        if not line:
            actions = await dialogue.silence()
            continue
        keyed = set(line) <= set("0123456789*#")
        actions = await dialogue.hear(CallerTurn(digits=line) if keyed else CallerTurn(text=line))
        if explaining and dialogue.reading is not None:
            for explained in explain(dialogue.reading):
                print(f"     | {explained}")
            print(f"     | mode now: {dialogue.mode}")


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    chat = commands.add_parser("chat", help="talk to the flows by typing")
    chat.add_argument("--data", type=Path, help="council data directory (default: seeds/)")
    chat.add_argument("--flows", type=Path, help="flows directory (default: flows/)")
    chat.add_argument("--explain", action="store_true",
                      help="show how each turn was read (intents, slot value, yes/no, ...)")
    chat.set_defaults(run=chat_command)
    flows = commands.add_parser("flows", help="check or test the YAML call flows")
    sub = flows.add_subparsers(dest="flows_command", required=True)
    for name, run, text in (("check", check_command, "report every error with file:line:col"),
                            ("test", test_command, "run flows/tests/*.test.yaml")):
        command = sub.add_parser(name, help=text)
        command.add_argument("folder", type=Path, nargs="?", help="flows directory")
        command.add_argument("--data", type=Path, help="council data directory")
        command.add_argument("--flows", type=Path, help=argparse.SUPPRESS)
        command.set_defaults(run=run)
    flow_schema.configure(sub.add_parser(
        "schema", help="write the JSON Schema that gives editors completion and checks"))
