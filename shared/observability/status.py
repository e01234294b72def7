"""``alliance status``: one row per service, read the way an operator's tools would.

Readiness comes from each service's ``/readyz``, the outbox, consumer lag and failed mail from
its ``/metrics`` (the same numbers Prometheus sees), dead letters from the broker (the records
in each consumer group's dead-letter topic: they outlive restarts, unlike a counter).
"""

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass

import httpx
from prometheus_client.parser import text_string_to_metric_families

from shared.contracts.topics import CONSUMER_GROUPS, dead_letter_topic
from shared.messaging.dead_letters import count_dead_letters
from shared.settings import Settings

TIMEOUT_S = 5.0


@dataclass(frozen=True)
class ServiceStatus:
    service: str
    ready: str
    outbox_pending: float | None = None
    outbox_oldest_s: float | None = None
    consumer_lag: float | None = None
    dead_letters: int | None = None
    failed_notifications: float | None = None

    @property
    def healthy(self) -> bool:
        return self.ready == "ready"


def samples(text: str) -> dict[str, list[tuple[dict[str, str], float]]]:
    """Prometheus exposition text as sample name -> [(labels, value)]."""
    found: dict[str, list[tuple[dict[str, str], float]]] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found.setdefault(sample.name, []).append((sample.labels, sample.value))
    return found


def _total(found: Mapping[str, list[tuple[dict[str, str], float]]], name: str) -> float | None:
    values = found.get(name)
    return None if values is None else sum(value for _, value in values)


async def _service(
    client: httpx.AsyncClient, service: str, url: str, metrics_token: str | None
) -> ServiceStatus:
    try:
        ready = await client.get(f"{url}/readyz")
        state = "ready" if ready.status_code == 200 else ready.json().get("detail", "not ready")
        headers = {"Authorization": f"Bearer {metrics_token}"} if metrics_token else {}
        metrics = await client.get(f"{url}/metrics", headers=headers)
        metrics.raise_for_status()
    except (httpx.HTTPError, ValueError) as exc:
        return ServiceStatus(service, f"unreachable ({type(exc).__name__}: {exc})"[:120])
    found = samples(metrics.text)
    return ServiceStatus(
        service,
        state,
        outbox_pending=_total(found, "alliance_outbox_pending"),
        outbox_oldest_s=_total(found, "alliance_outbox_oldest_age_seconds"),
        consumer_lag=_total(found, "alliance_consumer_lag"),
        failed_notifications=_total(found, "alliance_notifications_failed"),
    )


async def _dead_letters(settings: Settings, group: str) -> int | None:
    try:
        async with asyncio.timeout(TIMEOUT_S * 2):
            return await count_dead_letters(settings, dead_letter_topic(group))
    except Exception:
        return None


async def collect(settings: Settings, urls: Mapping[str, str]) -> list[ServiceStatus]:
    token = settings.metrics_token.get_secret_value() if settings.metrics_token else None
    async with httpx.AsyncClient(timeout=TIMEOUT_S) as client:
        found = await asyncio.gather(
            *(_service(client, service, url.rstrip("/"), token) for service, url in urls.items())
        )
    rows = []
    for row in found:
        if row.service in CONSUMER_GROUPS:
            row = ServiceStatus(
                **{**row.__dict__, "dead_letters": await _dead_letters(settings, row.service)}
            )
        rows.append(row)
    return rows


COLUMNS = (
    "service",
    "ready",
    "outbox pending",
    "oldest (s)",
    "consumer lag",
    "dead letters",
    "failed mail",
)


def _cell(value: float | int | None) -> str:
    if value is None:
        return "-"
    return f"{value:.0f}" if isinstance(value, float) else str(value)


def table(rows: list[ServiceStatus]) -> str:
    cells = [COLUMNS] + [
        (
            r.service,
            r.ready,
            _cell(r.outbox_pending),
            _cell(r.outbox_oldest_s),
            _cell(r.consumer_lag),
            _cell(r.dead_letters),
            _cell(r.failed_notifications),
        )
        for r in rows
    ]
    widths = [max(len(row[i]) for row in cells) for i in range(len(COLUMNS))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in cells
    )
