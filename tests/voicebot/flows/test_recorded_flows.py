"""Flows that name recordings: `flows check` shows each bad file at its place, and a reload
with a bad recording is refused while the last good set (and its recordings) keeps serving."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import yaml

from tests.voicebot.speech.recorded import write_wav
from voicebot.commands.chat import check_command
from voicebot.flows.registry import FlowRegistry
from voicebot.speech.prompt_book import PromptBook
from voicebot.speech.recordings import load_book

ROOT = Path(__file__).resolve().parents[3]
TEAMS = ["general", "bins", "council_tax"]
ACTIONS = ["next_collections", "check_missed_bin", "report_missed_bin", "verify_council_tax",
           "council_tax_summary", "http"]


def speech(seconds: float = 1.0, rate: int = 16_000, level: float = 0.2) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    syllables = (np.sin(2 * np.pi * 3 * t) > 0).astype(np.float32)  # bursts and pauses
    return (np.sin(2 * np.pi * 180 * t) * level * syllables).astype(np.float32)


def flows_with(folder: Path, prompts: dict[str, object]) -> Path:
    shutil.copytree(ROOT / "flows", folder)
    main = folder / "main.yaml"
    spec = yaml.safe_load(main.read_text(encoding="utf-8"))
    spec["prompts"].update(prompts)
    main.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    return main


GOODBYE = "Thank you for calling Hartwell Borough Council. Goodbye."
CLARIFY = "Sorry, I want to make sure I get this right. Is it about {options}?"


def test_flows_check_shows_each_bad_recording_at_its_place(tmp_path: Path, capsys: object
                                                           ) -> None:
    folder = tmp_path / "flows"
    main = flows_with(folder, {
        "goodbye": {"text": GOODBYE, "audio": "recordings/goodbye.wav"},
        "clarify": {"text": CLARIFY, "audio": ["recordings/clarify.wav", "extra.wav"]},
        "menu": {"en": {"text": "What would you like to do?", "audio": "recordings/menu.wav"}},
    })
    write_wav(folder / "recordings" / "menu.wav", speech(level=1.3), 16_000)  # clipped
    code = check_command(_args(folder))
    out = capsys.readouterr().out  # type: ignore[attr-defined]
    lines = out.splitlines()
    assert code == 1
    assert any(line.startswith(f"{main}:") and "main.clarify has 1 part(s) to record" in line
               for line in lines), out
    # The shape problem stops the check before any file is read; fixed, the files are read.
    spec = yaml.safe_load(main.read_text(encoding="utf-8"))
    spec["prompts"]["clarify"]["audio"] = "recordings/clarify.wav"
    main.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    write_wav(folder / "recordings" / "clarify.wav", speech(), 16_000)
    code = check_command(_args(folder))
    lines = capsys.readouterr().out.splitlines()  # type: ignore[attr-defined]
    assert code == 1
    missing = next(line for line in lines if "goodbye.wav is missing" in line)
    clipped = next(line for line in lines if "menu.wav is clipped" in line)
    text = main.read_text(encoding="utf-8").splitlines()
    for line in (missing, clipped):
        where = line.removeprefix(f"{main}:").split(":")
        row, column = int(where[0]), int(where[1])
        assert text[row - 1][column - 1:].startswith("recordings/"), (line, text[row - 1])


def _args(folder: Path) -> object:
    import argparse

    return argparse.Namespace(config=None, data=None, flows=None, folder=folder)


def test_a_bad_recording_is_refused_on_reload_and_a_fixed_one_taken(tmp_path: Path) -> None:
    folder = tmp_path / "flows"
    flows_with(folder, {"goodbye": {"text": GOODBYE, "audio": "recordings/goodbye.wav"}})
    take = write_wav(folder / "recordings" / "goodbye.wav", speech(), 16_000)
    registry = FlowRegistry(folder, ACTIONS, TEAMS, prepare_audio=load_book)
    first = registry.current.audio
    assert isinstance(first, PromptBook)
    assert first.pieces(GOODBYE, "en")[0].clip is not None

    write_wav(take, speech(level=1.5), 16_000)  # re-recorded, too loud
    _touch_later(take)
    assert registry.reload_if_changed() is False
    assert registry.current.audio is first
    assert "clipped" in str(registry.problems[0])

    write_wav(take, speech(seconds=2.0), 16_000)  # and again, properly
    _touch_later(take)
    assert registry.reload_if_changed() is True
    book = registry.current.audio
    assert isinstance(book, PromptBook) and book is not first
    clip = book.pieces(GOODBYE, "en")[0].clip
    assert clip is not None and clip.seconds > 1.5


def _touch_later(path: Path) -> None:
    stat = path.stat()
    os.utime(path, (stat.st_atime + 5, stat.st_mtime + 5))
