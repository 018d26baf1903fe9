"""The dependency lock and its vulnerability audit (docs/security.md, "Dependencies").

    .venv/bin/python scripts/deps.py lock    # write requirements.lock from the installed env
    .venv/bin/python scripts/deps.py audit   # `make test` runs this

``lock`` writes every distribution that ``voicebot[dev]`` needs, directly or not, as it is
installed now (``name==version``, sorted), whatever else is in the environment. ``audit`` fails
when the installed environment differs from the lock (so the tests ran on what was audited), and
when any locked package has a known vulnerability in PyPI's vulnerability data (the data
pip-audit's default service reads), unless ``security/audit-allowlist.txt`` lists it with a
reason. A package whose vulnerability data cannot be had fails too, unless it is listed: a
network failure never passes silently.

PyPI serves the data per release at ``/pypi/NAME/VERSION/json``; where that is missing (some
mirrors serve only ``/pypi/NAME/json``), the project's entry is used when the locked version is
its latest release, since that entry's data is about the latest release.
"""

from __future__ import annotations

import asyncio
import sys
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import httpx
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "requirements.lock"
ALLOWLIST = ROOT / "security" / "audit-allowlist.txt"
INDEX = "https://pypi.org/pypi"
HEADER = """\
# Every distribution voicebot[dev] needs, at the version the tests ran on. Generated from the
# installed environment by `scripts/deps.py lock`; do not edit by hand. scripts/setup installs
# with it as constraints and `make test` audits it (docs/security.md, "Dependencies").
"""


def needed(root: str = "voicebot", extras: tuple[str, ...] = ("dev",)) -> dict[str, str]:
    """Installed versions of everything ``root[extras]`` requires, followed to the end."""
    found: dict[str, str] = {}
    seen: set[tuple[str, tuple[str, ...]]] = set()
    queue: list[tuple[str, tuple[str, ...]]] = [(root, extras)]
    while queue:
        name, wanted_extras = queue.pop()
        envs = [{"extra": extra} for extra in ("", *wanted_extras)]
        for text in metadata.distribution(name).requires or []:
            requirement = Requirement(text)
            if requirement.marker and not any(requirement.marker.evaluate(e) for e in envs):
                continue
            key = canonicalize_name(requirement.name)
            try:
                found.setdefault(key, metadata.version(requirement.name))
            except metadata.PackageNotFoundError:
                found[key] = "missing"
                continue
            step = (key, tuple(sorted(requirement.extras)))
            if step not in seen:
                seen.add(step)
                queue.append((requirement.name, step[1]))
    return found


def write_lock() -> None:
    pins = needed()
    LOCK.write_text(HEADER + "".join(f"{name}=={pins[name]}\n" for name in sorted(pins)),
                    encoding="utf-8")
    print(f"wrote {LOCK.name}: {len(pins)} distributions")


def read_lock(text: str) -> dict[str, str]:
    pins: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        name, sep, version = line.partition("==")
        if not sep or not version:
            raise ValueError(f"requirements.lock:{number}: not NAME==VERSION: {line!r}")
        pins[canonicalize_name(name)] = version.strip()
    return pins


def drift(locked: dict[str, str], installed: dict[str, str]) -> list[str]:
    """What differs between the lock and the environment, one line each."""
    lines = [f"  {name}: locked {locked[name]}, installed {installed.get(name, 'nothing')}"
             for name in sorted(locked) if installed.get(name) != locked[name]]
    lines += [f"  {name}: installed {installed[name]}, not in the lock"
              for name in sorted(set(installed) - set(locked))]
    return lines


@dataclass
class Allowlist:
    """Advisory IDs and ``name==version`` pins accepted with a reason."""

    reasons: dict[str, str] = field(default_factory=dict)
    used: set[str] = field(default_factory=set)

    @classmethod
    def parse(cls, text: str) -> Allowlist:
        allow = cls()
        for number, line in enumerate(text.splitlines(), 1):
            entry, _, reason = line.split("#", 1)[0].strip().partition(" ")
            if not entry:
                continue
            if not reason.strip():
                raise ValueError(f"audit-allowlist.txt:{number}: {entry} has no reason")
            allow.reasons[entry.upper() if "==" not in entry else entry.lower()] = reason.strip()
        return allow

    def accepts(self, *keys: str) -> bool:
        for key in keys:
            key = key.upper() if "==" not in key else key.lower()
            if key in self.reasons:
                self.used.add(key)
                return True
        return False


@dataclass
class Verdict:
    name: str
    version: str
    vulnerabilities: list[dict[str, Any]]
    audited: bool
    note: str = ""


def judge(name: str, version: str, release: dict[str, Any] | None,
          project: dict[str, Any] | None) -> Verdict:
    """What PyPI's data says about one pin (``release``: the per-version entry, or None)."""
    if release is not None:
        data = release
    elif project is not None and project.get("info", {}).get("version") == version:
        data = project
    else:
        latest = (project or {}).get("info", {}).get("version", "unknown")
        return Verdict(name, version, [], False,
                       f"no vulnerability data for {version} (latest is {latest})")
    found = [v for v in data.get("vulnerabilities") or [] if not v.get("withdrawn")]
    return Verdict(name, version, found, True)


async def fetch(http: httpx.AsyncClient, url: str) -> dict[str, Any] | None:
    response = await http.get(url)
    if response.status_code == 404:
        return None
    response.raise_for_status()
    payload: dict[str, Any] = response.json()
    return payload


async def check(pins: dict[str, str]) -> list[Verdict]:
    limit = asyncio.Semaphore(8)
    async with httpx.AsyncClient(timeout=30, follow_redirects=True) as http:

        async def one(name: str, version: str) -> Verdict:
            async with limit:
                release = await fetch(http, f"{INDEX}/{name}/{version}/json")
                project = None if release else await fetch(http, f"{INDEX}/{name}/json")
            return judge(name, version, release, project)

        return list(await asyncio.gather(*(one(n, v) for n, v in sorted(pins.items()))))


def report(verdicts: list[Verdict], allow: Allowlist) -> int:
    problems = 0
    for verdict in verdicts:
        pin = f"{verdict.name}=={verdict.version}"
        for vuln in verdict.vulnerabilities:
            ids = [vuln.get("id", "?"), *vuln.get("aliases", [])]
            accepted = allow.accepts(*ids)
            problems += not accepted
            print(f"{'allowed' if accepted else 'VULNERABLE'}: {pin} {' '.join(ids)} "
                  f"(fixed in {', '.join(vuln.get('fixed_in') or ['no release'])})")
        if not verdict.audited:
            accepted = allow.accepts(pin)
            problems += not accepted
            print(f"{'allowed' if accepted else 'NOT AUDITED'}: {pin}: {verdict.note}")
    for unused in sorted(set(allow.reasons) - allow.used):
        print(f"note: allow-list entry {unused} matched nothing; remove it")
    audited = sum(v.audited for v in verdicts)
    print(f"audit: {len(verdicts)} locked distributions, {audited} checked against PyPI's "
          f"vulnerability data, {problems} problem{'s' if problems != 1 else ''}")
    return problems


def audit() -> int:
    locked = read_lock(LOCK.read_text(encoding="utf-8"))
    if lines := drift(locked, needed()):
        print("audit: the installed environment differs from requirements.lock:\n"
              + "\n".join(lines)
              + "\nrun scripts/setup (to install the lock) or `scripts/deps.py lock` (after "
                "changing dependencies), then commit requirements.lock")
        return 1
    allow = Allowlist.parse(ALLOWLIST.read_text(encoding="utf-8"))
    try:
        verdicts = asyncio.run(check(locked))
    except httpx.HTTPError as err:
        print(f"audit: FAILED, the vulnerability data could not be fetched ({err!r}); "
              "nothing was audited")
        return 1
    return 1 if report(verdicts, allow) else 0


def main(argv: list[str]) -> int:
    if argv == ["lock"]:
        write_lock()
        return 0
    if argv == ["audit"]:
        return audit()
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

