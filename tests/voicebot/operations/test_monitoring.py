"""The shipped alert rules and Grafana dashboard name only metrics the service exports."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import yaml
from prometheus_client import generate_latest

from voicebot.operations.metrics import (
    Metrics,
    drain_figures,
    queue_figures,
    telephony_figures,
)

MONITORING = Path(__file__).resolve().parents[3] / "deploy" / "monitoring"
SERIES = re.compile(r"\bvoicebot_[a-z_]+\b")


def exported() -> set[str]:
    metrics = Metrics()
    metrics.watch(telephony_figures(Counter()))
    metrics.watch(drain_figures(lambda: False))
    metrics.watch(queue_figures(lambda: [{"state": "waiting", "team": "bins", "queued_at": 0}]))
    suffixes = {"counter": ("",), "histogram": ("_bucket", "_sum", "_count"), "gauge": ("",)}
    names = set()
    for line in generate_latest(metrics.registry).decode().splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split()
            names.update(name + suffix for suffix in suffixes[kind])
    return names


def expressions() -> list[str]:
    rules = yaml.safe_load((MONITORING / "voicebot-alerts.yml").read_text())
    found = [rule["expr"] for group in rules["groups"] for rule in group["rules"]]
    dashboard = json.loads((MONITORING / "grafana-dashboard.json").read_text())
    found += [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]
    return found


def test_every_series_named_in_rules_and_dashboard_is_exported() -> None:
    names = exported()
    missing = sorted({name for expr in expressions() for name in SERIES.findall(expr)
                      if name not in names})
    assert missing == [], f"not exported: {missing}"


def test_the_rules_cover_latency_errors_the_queue_and_process_health() -> None:
    rules = yaml.safe_load((MONITORING / "voicebot-alerts.yml").read_text())
    names = {rule["alert"] for group in rules["groups"] for rule in group["rules"]}
    assert {"VoicebotProcessDown", "VoicebotSlowReplies", "VoicebotErrorsInCalls",
            "VoicebotCallersWaitingForAgents", "VoicebotDrainStuck"} <= names
    for group in rules["groups"]:
        for rule in group["rules"]:
            assert rule["annotations"]["summary"] and rule["labels"]["severity"]
