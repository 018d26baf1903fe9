"""``voicebot flows schema``: writes the JSON Schemas that give editors completion and checks.

They go where the flow files' first line points (``<flows folder>/schema/``), so running it after
an upgrade brings a council's own flows folder up to date with the flow language.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from voicebot.config import load_settings
from voicebot.flows.editor_schema import FOLDER, HEADERS, write_schemas


def schema_command(args: argparse.Namespace) -> int:
    if args.out is not None:
        target = args.out
    else:
        folder = args.folder or load_settings(args.config).flows_dir
        target = Path(folder) / FOLDER
    for path in write_schemas(target):
        print(f"wrote {path}")
    if args.out is None:
        print("Flow files name it in their first line:\n"
              f"  {HEADERS['flow']}\n  {HEADERS['tests']}   (in tests/)")
    return 0


def configure(command: argparse.ArgumentParser) -> None:
    command.add_argument("folder", type=Path, nargs="?",
                         help=f"flows directory; the schemas go in its {FOLDER}/ folder")
    command.add_argument("--out", type=Path, help="write the schemas into this folder instead")
    command.set_defaults(run=schema_command)
