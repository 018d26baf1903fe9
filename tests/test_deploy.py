"""The shipped deployment files agree with the service they deploy.

The nginx site itself runs in tests/e2e/test_proxy.py; here: the probes and the kill timeouts
of the Kubernetes manifest and the systemd unit fit the drain, and their settings load.
"""

from __future__ import annotations

import configparser
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from voicebot.config import DrainSettings, load_settings
from voicebot.operations.drain import HANDOVER_WAIT, Drain
from voicebot.operations.metrics import Metrics
from voicebot.operations.routes import make_operations_router
from voicebot.web.access import ApiAccess

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"
DRAIN = DrainSettings()
DRAIN_SECONDS = DRAIN.limit_seconds + HANDOVER_WAIT + DRAIN.linger_seconds


def manifest() -> dict[str, Any]:
    documents = list(yaml.safe_load_all((DEPLOY / "kubernetes" / "voicebot.yaml").read_text()))
    return {d["kind"]: d for d in documents}


def test_the_kubernetes_probes_ask_what_the_service_answers() -> None:
    pod = manifest()["Deployment"]["spec"]["template"]["spec"]
    container = pod["containers"][0]
    served = {route.path for route in make_operations_router(  # type: ignore[attr-defined]
        Drain(1, 1), Metrics(), ApiAccess(load_settings())).routes}
    assert container["readinessProbe"]["httpGet"]["path"] == "/healthz/ready"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz/live"
    for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
        assert container[probe]["httpGet"]["path"] in served
    annotations = manifest()["Deployment"]["spec"]["template"]["metadata"]["annotations"]
    assert annotations["prometheus.io/path"] in served


def test_kubernetes_waits_for_the_drain_before_killing() -> None:
    pod = manifest()["Deployment"]["spec"]["template"]["spec"]
    pre_stop = pod["containers"][0]["lifecycle"]["preStop"]["exec"]["command"]
    assert pre_stop[0] == "sleep"
    assert pod["terminationGracePeriodSeconds"] > float(pre_stop[1]) + DRAIN_SECONDS


def test_the_kubernetes_environment_is_valid_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    container = manifest()["Deployment"]["spec"]["template"]["spec"]["containers"][0]
    plain = {e["name"]: e["value"] for e in container["env"] if "value" in e}
    for name, value in plain.items():
        monkeypatch.setenv(name, value)
    settings = load_settings()
    assert settings.drain.new_calls == "proxy"
    assert settings.public_url == "https://voicebot.example.gov.uk"
    service = manifest()["Service"]["spec"]["ports"][0]
    assert service["targetPort"] == container["ports"][0]["name"]


def test_systemd_waits_for_the_drain_and_tells_it_to_use_the_proxy() -> None:
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str  # type: ignore[assignment,method-assign]
    unit.read_string((DEPLOY / "systemd" / "voicebot@.service").read_text())
    service = unit["Service"]
    assert float(service["TimeoutStopSec"]) > DRAIN_SECONDS
    assert service["KillSignal"] == "SIGTERM" and service["KillMode"] == "mixed"
    assert "VOICEBOT_DRAIN__NEW_CALLS=proxy" in service["Environment"]
    assert "--port %i" in service["ExecStart"]


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze")
def test_systemd_accepts_the_units(tmp_path: Path) -> None:
    for name in ("voicebot@.service", "voicebot.target"):
        (tmp_path / name).write_text((DEPLOY / "systemd" / name).read_text())
    instance = tmp_path / "voicebot@8081.service"
    instance.symlink_to(tmp_path / "voicebot@.service")
    checked = subprocess.run(["systemd-analyze", "verify", "--man=no", str(instance),
                              str(tmp_path / "voicebot.target")],
                             capture_output=True, text=True)
    problems = [line for line in checked.stderr.splitlines()
                if "voicebot" in line and "/opt/voicebot" not in line
                and "not executable" not in line and "No such file" not in line]
    assert problems == [], checked.stderr
