"""The whole system in this process with tracing on (spans kept in memory), on a broker, SMTP
server and databases of its own; and the same three apps also listening on real ports, for the
commands that read them over HTTP."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from devstack import free_port
from services.bookings.app import build_app as build_bookings
from services.bookings.config import BookingsSettings
from services.brokerage.app import build_app as build_brokerage
from services.brokerage.config import BrokerageSettings
from services.finance.app import build_app as build_finance
from services.finance.config import FinanceSettings
from services.notifications.app import build_app as build_notifications
from services.notifications.config import NotificationsSettings
from shared.observability import tracing
from shared.observability.status import samples
from shared.settings import Settings
from tests.notifications.support import fast_delivery
from tests.support.apps import running_app
from tests.support.isolated import isolated_parts
from tests.support.stack import Stack
from tests.support.wait import eventually


@dataclass
class Observed:
    stack: Stack
    settings: Settings
    maildir: Path
    spans: InMemorySpanExporter
    apps: dict[str, FastAPI]
    clients: dict[str, httpx.AsyncClient]
    urls: dict[str, str]

    @property
    def bookings(self) -> httpx.AsyncClient:
        return self.clients["bookings"]

    @property
    def notifications(self) -> httpx.AsyncClient:
        return self.clients["notifications"]

    async def metrics(self, service: str) -> dict[str, list[tuple[dict[str, str], float]]]:
        response = await self.clients[service].get("/metrics")
        assert response.status_code == 200, response.text
        return samples(response.text)

    async def value(self, service: str, name: str, **labels: str) -> float:
        """The sum of ``name``'s samples whose labels include ``labels`` (0 when none)."""
        found = (await self.metrics(service)).get(name, [])
        return sum(v for have, v in found if labels.items() <= have.items())


@asynccontextmanager
async def listening(app: FastAPI) -> AsyncIterator[str]:
    """``app`` (already started) also on a real port; its URL."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off", log_config=None)
    )
    task = asyncio.create_task(server.serve())
    try:
        await eventually(lambda: _started(server), timeout=10)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


async def _started(server: uvicorn.Server) -> bool:
    return server.started


@pytest.fixture(scope="package")
async def observed(stack: Stack) -> AsyncIterator[Observed]:
    spans = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(spans))
    tracing.install(provider)
    try:
        async with isolated_parts(stack, "observe") as parts, AsyncExitStack() as running:
            settings = stack.settings(NotificationsSettings, **parts.overrides, **fast_delivery())
            builders = {
                "bookings": (build_bookings, stack.settings(BookingsSettings, **parts.overrides)),
                "brokerage": (
                    build_brokerage,
                    stack.settings(BrokerageSettings, **parts.overrides),
                ),
                "notifications": (build_notifications, settings),
                "finance": (build_finance, stack.settings(FinanceSettings, **parts.overrides)),
            }
            apps: dict[str, FastAPI] = {}
            clients: dict[str, httpx.AsyncClient] = {}
            urls: dict[str, str] = {}
            for name, (build, own) in builders.items():
                app, client = await running.enter_async_context(running_app(build, own))  # type: ignore[arg-type]
                apps[name], clients[name] = app, client
                urls[name] = await running.enter_async_context(listening(app))
            yield Observed(stack, settings, parts.maildir, spans, apps, clients, urls)
    finally:
        tracing.uninstall()
        provider.shutdown()
