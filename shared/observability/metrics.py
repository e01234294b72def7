"""One Prometheus registry per service: the kernel's metrics, the service's own counters, and
gauges computed when Prometheus scrapes (never on the request path).

A registry per service (not prometheus_client's global one) keeps services that share a process,
as in the tests, from counting into each other.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

log = logging.getLogger(__name__)

Refresh = Callable[[], Awaitable[None]]
"""Sets some gauges from the current state; run at each scrape."""

CONTENT_TYPE = CONTENT_TYPE_LATEST
SCRAPE_TIMEOUT_S = 3.0
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    def __init__(self, service: str) -> None:
        self.service = service
        self.registry = CollectorRegistry(auto_describe=True)
        self._refreshers: list[tuple[str, Refresh]] = []
        self._counters: dict[str, Counter] = {}
        r = self.registry
        self.http_requests = Counter(
            "alliance_http_requests",
            "HTTP requests by method, route template and status",
            ["method", "route", "status"],
            registry=r,
        )
        self.http_latency = Histogram(
            "alliance_http_request_duration_seconds",
            "HTTP request latency by method and route template",
            ["method", "route"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.events_processed = Counter(
            "alliance_events_processed",
            "Events applied by a consumer group, by event type",
            ["group", "type"],
            registry=r,
        )
        self.events_dead_lettered = Counter(
            "alliance_events_dead_lettered",
            "Messages a consumer group sent to its dead-letter topic, by event type",
            ["group", "type"],
            registry=r,
        )
        self.consumer_lag = Gauge(
            "alliance_consumer_lag",
            "Messages not yet processed, per consumer group and partition",
            ["group", "topic", "partition"],
            registry=r,
        )
        self.outbox_pending = Gauge(
            "alliance_outbox_pending", "Outbox rows not yet published", registry=r
        )
        self.outbox_oldest_age = Gauge(
            "alliance_outbox_oldest_age_seconds",
            "Age of the oldest outbox row not yet published (0 when none)",
            registry=r,
        )
        self.pool_checked_out = Gauge(
            "alliance_db_pool_checked_out", "Database connections in use", registry=r
        )
        self.pool_size = Gauge(
            "alliance_db_pool_size", "Database connections the pool keeps", registry=r
        )
        self.scrape_errors = Counter(
            "alliance_metrics_refresh_errors",
            "Gauges that could not be computed at a scrape, by which",
            ["refresh"],
            registry=r,
        )

    def counter(self, name: str, documentation: str, labels: Sequence[str] = ()) -> Counter:
        """The service's own counter ``name`` (made on first use, the same object after)."""
        if name not in self._counters:
            self._counters[name] = Counter(name, documentation, labels, registry=self.registry)
        return self._counters[name]

    def on_scrape(self, name: str, refresh: Refresh) -> None:
        self._refreshers.append((name, refresh))

    async def render(self) -> bytes:
        """The exposition text, after every refresher has had its (bounded) turn."""
        for name, refresh in self._refreshers:
            try:
                async with asyncio.timeout(SCRAPE_TIMEOUT_S):
                    await refresh()
            except Exception as exc:
                self.scrape_errors.labels(refresh=name).inc()
                log.warning("metrics refresh failed", extra={"refresh": name, "error": str(exc)})
        return generate_latest(self.registry)
