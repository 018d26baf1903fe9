"""``voicebot agents add``: make a desktop account's bcrypt hash and print the config to paste.

The password never goes into the config or the shell history: it is typed at a prompt (or
piped on stdin for scripts) and only its hash is printed.
"""

from __future__ import annotations

import argparse
import getpass
import json
import re
import sys

import bcrypt
import yaml

from voicebot.errors import ConfigError

MIN_LENGTH = 10
MAX_BYTES = 72
"""bcrypt ignores anything past 72 bytes, so longer passwords are refused rather than cut."""
_USERNAME = re.compile(r"^[A-Za-z0-9._@-]{2,64}$")


def hash_password(password: str, rounds: int = 12) -> str:
    """A bcrypt hash for the settings; refuses passwords that are too short or too long."""
    if len(password) < MIN_LENGTH:
        raise ConfigError("weak-password", f"use at least {MIN_LENGTH} characters")
    if len(password.encode("utf-8")) > MAX_BYTES:
        raise ConfigError("long-password", f"use at most {MAX_BYTES} bytes (bcrypt's limit)")
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(rounds=rounds)).decode()


def account_snippet(username: str, password_hash: str, role: str, name: str) -> str:
    """The YAML to add under ``agents:`` and the same account as an environment variable."""
    account = {"username": username, "password_hash": password_hash, "role": role}
    if name:
        account["name"] = name
    listed = yaml.safe_dump({"agents": [account]}, sort_keys=False).rstrip()
    return (
        "# Add this account to the agents list in your settings file:\n"
        f"{listed}\n"
        "# or, with environment variables, include it in the JSON list:\n"
        f"# VOICEBOT_AGENTS='{json.dumps([account])}'\n"
    )


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Same password again: ") != first:
        raise ConfigError("password-mismatch", "the two passwords differ; nothing was made")
    return first


def _add(args: argparse.Namespace) -> int:
    if not _USERNAME.match(args.username):
        raise ConfigError("bad-username", "use 2-64 letters, digits, dots, dashes, @ or _")
    password_hash = hash_password(_read_password(args.password_stdin))
    print(account_snippet(args.username, password_hash, args.role, args.name or ""), end="")
    return 0


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Adds ``voicebot agents add`` to the command line."""
    agents = commands.add_parser("agents", help="agent desktop accounts")
    agent_commands = agents.add_subparsers(dest="agents_command", required=True)
    add = agent_commands.add_parser(
        "add", help="hash a password and print the account's config snippet")
    add.add_argument("username")
    add.add_argument("--role", choices=["agent", "supervisor"], default="agent")
    add.add_argument("--name", help="the name shown on the desktop (default: the username)")
    add.add_argument("--password-stdin", action="store_true",
                     help="read the password from the first line of stdin (for scripts)")
    add.set_defaults(run=_add)
