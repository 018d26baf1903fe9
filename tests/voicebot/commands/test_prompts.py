"""`voicebot prompts list|record-sheet` on the Welsh example line with some prompts recorded."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import yaml

from tests.voicebot.speech.recorded import write_wav
from voicebot.cli import main

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def line(tmp_path: Path) -> Path:
    folder = tmp_path / "flows"
    shutil.copytree(ROOT / "examples" / "welsh-line", folder)
    t = np.arange(8000) / 8000
    take = (np.sin(2 * np.pi * 200 * t) * 0.3).astype(np.float32)
    for name in ("greeting-cy.wav", "next-1.wav", "next-2.wav"):
        write_wav(folder / "recordings" / name, take, 8000)
    main_file, bins_file = folder / "main.yaml", folder / "bins.yaml"
    spec = yaml.safe_load(main_file.read_text(encoding="utf-8"))
    greeting = spec["prompts"]["greeting"]
    greeting["cy"] = {"text": greeting["cy"], "audio": "recordings/greeting-cy.wav"}
    main_file.write_text(yaml.safe_dump(spec, sort_keys=False, allow_unicode=True),
                         encoding="utf-8")
    flow = yaml.safe_load(bins_file.read_text(encoding="utf-8"))
    tell = next(step for step in flow["steps"] if step.get("id") == "tell_days")
    tell["say"]["en"] = {"text": tell["say"]["en"],
                         "audio": ["recordings/next-1.wav", "recordings/next-2.wav"]}
    bins_file.write_text(yaml.safe_dump(flow, sort_keys=False, allow_unicode=True),
                         encoding="utf-8")
    return folder


def test_list_says_how_each_prompt_is_said(line: Path, capsys: pytest.CaptureFixture[str]
                                           ) -> None:
    assert main(["prompts", "list", str(line)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert any(row.split() == ["main.greeting", "cy", "recorded",
                               "(recordings/greeting-cy.wav)"] for row in out), out
    assert any(row.split()[:2] == ["main.greeting", "en"] and row.endswith("synthesised")
               for row in out)
    assert any(row.split()[:2] == ["bins.tell_days.say", "en"]
               and row.endswith("recorded in 2 part(s), values synthesised") for row in out)
    assert out[-1] == "26 prompts x 2 language(s): 1 in parts, 1 recorded, 50 synthesised"


def test_the_record_sheet_gives_each_piece_once_with_its_file(
        line: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    script = tmp_path / "script.txt"
    assert main(["prompts", "record-sheet", str(line), "--language", "en",
                 "--out", str(script)]) == 0
    text = script.read_text(encoding="utf-8")
    assert "# Recording script: English (en)" in text
    assert '"Your next collections at"   ... then {address}' in text
    assert "recordings/next-2.wav\n   \"are:\"   ... then {collections.spoken}" in text
    assert "recordings/en/bins/ask_postcode-prompt.wav" in text
    assert "Beth yw" not in text


def test_words_several_prompts_share_are_recorded_once(capsys: pytest.CaptureFixture[str]
                                                        ) -> None:
    assert main(["prompts", "record-sheet", str(ROOT / "flows")]) == 0
    text = capsys.readouterr().out
    assert text.count('"Sorry, could you tell me the postcode again?') == 1
    assert "used in: bins.ask_postcode.reprompt, bins.missed_postcode.reprompt" in text
