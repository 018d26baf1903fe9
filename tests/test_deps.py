"""The dependency audit: known vulnerabilities and unreachable data fail it unless listed."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.conftest import unused_port

ROOT = Path(__file__).resolve().parent.parent


def load_deps() -> ModuleType:
    spec = importlib.util.spec_from_file_location("deps", ROOT / "scripts" / "deps.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["deps"] = module
    spec.loader.exec_module(module)
    return module


deps = load_deps()

VULN: dict[str, Any] = {"id": "PYSEC-2019-217", "aliases": ["CVE-2019-10906"],
                        "fixed_in": ["2.10.1"], "withdrawn": None, "summary": "sandbox escape"}


def test_a_known_vulnerability_fails_the_audit(capsys: pytest.CaptureFixture[str]) -> None:
    verdict = deps.judge("jinja2", "2.10", {"vulnerabilities": [VULN]}, None)
    problems = deps.report([verdict], deps.Allowlist.parse(""))
    assert problems == 1
    assert "VULNERABLE: jinja2==2.10 PYSEC-2019-217 CVE-2019-10906 (fixed in 2.10.1)" in (
        capsys.readouterr().out)


def test_a_listed_vulnerability_passes_with_its_reason(capsys: pytest.CaptureFixture[str]
                                                      ) -> None:
    allow = deps.Allowlist.parse("CVE-2019-10906 we never render untrusted templates\n"
                                 "PYSEC-2000-1 an old entry\n")
    verdict = deps.judge("jinja2", "2.10", {"vulnerabilities": [VULN]}, None)
    assert deps.report([verdict], allow) == 0
    out = capsys.readouterr().out
    assert "allowed: jinja2==2.10" in out
    assert "allow-list entry PYSEC-2000-1 matched nothing" in out


def test_withdrawn_advisories_do_not_count() -> None:
    verdict = deps.judge("x", "1", {"vulnerabilities": [{**VULN, "withdrawn": "2020"}]}, None)
    assert verdict.vulnerabilities == [] and verdict.audited


def test_an_entry_needs_a_reason() -> None:
    with pytest.raises(ValueError, match=r"allowlist\.txt:2: CVE-2019-10906 has no reason"):
        deps.Allowlist.parse("# comment\nCVE-2019-10906\n")


def test_without_data_for_the_release_a_pin_is_not_audited() -> None:
    latest = {"info": {"version": "2.0"}, "vulnerabilities": []}
    assert deps.judge("x", "2.0", None, latest).audited  # the latest release's own data
    older = deps.judge("x", "1.0", None, latest)
    assert not older.audited and older.note == "no vulnerability data for 1.0 (latest is 2.0)"
    assert deps.report([older], deps.Allowlist.parse("")) == 1
    assert deps.report([older], deps.Allowlist.parse("x==1.0 newest for our Python")) == 0


def test_an_unreachable_index_fails_the_audit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    lock = tmp_path / "requirements.lock"
    lock.write_text("".join(f"{n}=={v}\n" for n, v in deps.needed().items()))
    allow = tmp_path / "allow.txt"
    allow.write_text("")
    monkeypatch.setattr(deps, "LOCK", lock)
    monkeypatch.setattr(deps, "ALLOWLIST", allow)
    monkeypatch.setattr(deps, "INDEX", f"http://127.0.0.1:{unused_port()}/pypi")
    assert deps.audit() == 1
    assert "nothing was audited" in capsys.readouterr().out


def test_the_environment_must_match_the_lock() -> None:
    assert deps.drift({"a": "1", "b": "2"}, {"a": "1", "b": "3", "c": "1"}) == [
        "  b: locked 2, installed 3", "  c: installed 1, not in the lock"]
    assert deps.drift(deps.read_lock((ROOT / "requirements.lock").read_text()),
                      deps.needed()) == [], "run `scripts/deps.py lock` and commit the lock"
