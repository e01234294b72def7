"""The alert rules and the dashboard in deploy/monitoring ask only for metrics the services
export (a renamed metric would silently never fire), and every alert says what to do."""

import json
import re
from pathlib import Path

import yaml
from prometheus_client.parser import text_string_to_metric_families

from shared.settings import SERVICES
from tests.observe.conftest import Observed

MONITORING = Path(__file__).parents[2] / "deploy" / "monitoring"
METRIC = re.compile(r"\balliance_[a-z_]+\b")
SUFFIXES = {"counter": ("_total",), "histogram": ("_bucket", "_count", "_sum")}


async def exported(observed: Observed) -> set[str]:
    names: set[str] = set()
    for service in SERVICES:
        text = (await observed.clients[service].get("/metrics")).text
        for family in text_string_to_metric_families(text):
            for suffix in SUFFIXES.get(family.type, ("",)):
                names.add(family.name + suffix)
    return names


def alert_rules() -> list[dict[str, object]]:
    document = yaml.safe_load((MONITORING / "alerts.yml").read_text())
    return [rule for group in document["groups"] for rule in group["rules"]]


def dashboard_expressions() -> list[str]:
    dashboard = json.loads((MONITORING / "grafana-dashboard.json").read_text())
    return [t["expr"] for panel in dashboard["panels"] for t in panel["targets"]]


def balanced(expr: str) -> bool:
    depth = 0
    for char in expr:
        depth += {"(": 1, ")": -1, "{": 1, "}": -1, "[": 1, "]": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0


async def test_every_alert_and_panel_names_only_exported_metrics(observed: Observed) -> None:
    names = await exported(observed)
    expressions = [str(rule["expr"]) for rule in alert_rules()] + dashboard_expressions()
    for expr in expressions:
        used = set(METRIC.findall(expr))
        assert used, f"names no Alliance metric: {expr}"
        assert used <= names, f"{sorted(used - names)} not exported; in: {expr}"
        assert balanced(expr), expr


async def test_the_alerts_cover_what_on_call_must_hear_about() -> None:
    rules = alert_rules()
    watched = " ".join(str(rule["expr"]) for rule in rules)
    for metric in (
        "alliance_outbox_oldest_age_seconds",
        "alliance_consumer_lag",
        "alliance_events_dead_lettered_total",
        "alliance_notifications_total",
        "alliance_smtp_failures_total",
        'alliance_http_requests_total{status=~"5.."}',
    ):
        assert metric in watched
    for rule in rules:
        assert rule["labels"]["severity"] in ("page", "ticket"), rule["alert"]  # type: ignore[index]
        assert "summary" in rule["annotations"], rule["alert"]  # type: ignore[operator]
    assert len({rule["alert"] for rule in rules}) == len(rules)
