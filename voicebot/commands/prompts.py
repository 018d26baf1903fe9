"""``voicebot prompts list|record-sheet``: which prompts are recorded, and a script to record.

The script is for a voice artist: every fixed part of every prompt, once each however many
prompts share it, with the file name to save it as and what the system says next, so a part
that stops before a value (a date, a postcode) is read as if the sentence goes on.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from pathlib import Path

from voicebot.commands.chat import checked_flows
from voicebot.flows.prompt_checks import language_name
from voicebot.flows.prompts import PromptPlace, audio_files, recorded_parts, wordings
from voicebot.flows.registry import FlowSet
from voicebot.flows.templates import PLACEHOLDER

RECORDING_ADVICE = """\
Record each line as its own WAV file (mono, 16-bit, 16 kHz or more; 44.1 or 48 kHz is fine),
in a quiet room, at an even, friendly pace. Leave a moment of silence before and after: it is
trimmed. Don't worry about matching the volume: every file is brought to the level of the
synthetic voice when the flows are loaded. A line marked "... then" stops where the system
says something (a date, an address): read it as if the sentence carries on.
"""


def how_said(place: PromptPlace, language: str) -> tuple[str, str]:
    """(kind, description): recorded, in parts, synthesised, or no text in the language."""
    wording = wordings(place.prompt).get(language)
    if wording is None:
        return "without text", "no text (English is said)"
    files = audio_files(wording)
    if not files:
        return "synthesised", "synthesised"
    if PLACEHOLDER.search(wording.text):
        return "in parts", f"recorded in {len(files)} part(s), values synthesised"
    return "recorded", f"recorded ({files[0]})"


def list_prompts(flows: FlowSet, languages: list[str]) -> list[str]:
    lines = []
    counts: dict[str, int] = {}
    width = max((len(p.name) for p in flows.prompts), default=10)
    for place in flows.prompts:
        for language in languages:
            kind, said = how_said(place, language)
            counts[kind] = counts.get(kind, 0) + 1
            lines.append(f"{place.name:<{width}}  {language}  {said}")
    summary = ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items()))
    return [*lines, f"{len(flows.prompts)} prompts x {len(languages)} language(s): {summary}"]


@dataclass
class Line:
    """One thing to record: the words, the file, where it is used and what follows it."""

    words: str
    file: str
    then: str = ""
    used_in: list[str] = field(default_factory=list)


def sheet_lines(flows: FlowSet, language: str) -> list[Line]:
    """Each fixed part once, with the file already named in the flows or a suggested one."""
    lines: dict[str, Line] = {}
    for place in flows.prompts:
        wording = wordings(place.prompt).get(language)
        if wording is None:
            continue
        parts = recorded_parts(wording.text)
        named = audio_files(wording)
        values = [m.group(0) for m in PLACEHOLDER.finditer(wording.text)]
        starts_with_value = bool(values) and wording.text.lstrip().startswith(values[0])
        for index, words in enumerate(parts):
            suffix = f"-{index + 1}" if len(parts) > 1 else ""
            flow, _, rest = place.name.partition(".")
            file = named[index] if index < len(named) else (
                f"recordings/{language}/{flow}/{rest.replace('.', '-')}{suffix}.wav")
            after = index + (1 if starts_with_value else 0)
            then = values[after] if after < len(values) else ""
            line = lines.setdefault(words, Line(words, file, then))
            line.used_in.append(place.name)
    return list(lines.values())


def render_sheet(flows: FlowSet, languages: list[str]) -> str:
    out = []
    for language in languages:
        out += [f"# Recording script: {language_name(language)} ({language})", "",
                RECORDING_ADVICE]
        for number, line in enumerate(sheet_lines(flows, language), 1):
            follows = f"   ... then {line.then}" if line.then else ""
            out += [f"{number}. {line.file}", f"   \"{line.words}\"{follows}",
                    f"   used in: {', '.join(line.used_in)}", ""]
    return "\n".join(out)


def _languages(args: argparse.Namespace, flows: FlowSet) -> list[str]:
    return [args.language] if args.language else ["en", *flows.languages]


def list_command(args: argparse.Namespace) -> int:
    flows = checked_flows(args)
    if flows is None:
        return 1
    print("\n".join(list_prompts(flows, _languages(args, flows))))
    return 0


def sheet_command(args: argparse.Namespace) -> int:
    flows = checked_flows(args)
    if flows is None:
        return 1
    text = render_sheet(flows, _languages(args, flows))
    if args.out:
        args.out.write_text(text, encoding="utf-8")
        print(f"recording script written to {args.out}")
    else:
        print(text)
    return 0


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    prompts = commands.add_parser("prompts", help="recorded prompts: what is recorded, and a "
                                  "script for a voice artist")
    sub = prompts.add_subparsers(dest="prompts_command", required=True)
    for name, run, text in (
            ("list", list_command, "each prompt: recorded, in parts, or synthesised"),
            ("record-sheet", sheet_command, "a script of every fixed prompt with its file")):
        command = sub.add_parser(name, help=text)
        command.add_argument("folder", type=Path, nargs="?", help="flows directory")
        command.add_argument("--language", help="only this language (en, cy)")
        command.add_argument("--data", type=Path, help=argparse.SUPPRESS)
        command.add_argument("--flows", type=Path, help=argparse.SUPPRESS)
        if name == "record-sheet":
            command.add_argument("--out", type=Path, help="write the script to this file")
        command.set_defaults(run=run)
