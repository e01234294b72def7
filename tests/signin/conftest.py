"""The three services in this process (their HTTP behind ASGI), each on a port of one host."""

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass

import httpx
import pytest

from devstack.settings import SERVICE_SETTINGS
from services.bookings.app import build_app as bookings_app
from services.brokerage.app import build_app as brokerage_app
from services.notifications.app import build_app as notifications_app
from tests.support.isolated import isolated_parts
from tests.support.stack import Stack

HOST = "http://127.0.0.1"
PORTS = {"bookings": 18001, "brokerage": 18002, "notifications": 18003}
BUILDERS = {
    "bookings": bookings_app,
    "brokerage": brokerage_app,
    "notifications": notifications_app,
}


@dataclass
class Services:
    apps: dict
    settings: object
    """The settings the last service was built with: the kernel's part is the same for all."""

    def client(self, service: str = "bookings") -> httpx.AsyncClient:
        """A browser-like client: one cookie jar across the three services' ports."""
        mounts = {
            f"{HOST}:{port}": httpx.ASGITransport(app=self.apps[name])
            for name, port in PORTS.items()
        }
        return httpx.AsyncClient(mounts=mounts, base_url=f"{HOST}:{PORTS[service]}")


@pytest.fixture(scope="module")
async def services(stack: Stack) -> AsyncIterator[Services]:
    urls = {f"{name.upper()}_PUBLIC_URL": f"{HOST}:{port}" for name, port in PORTS.items()}
    async with isolated_parts(stack, "signin") as parts, AsyncExitStack() as running:
        apps = {}
        for name, build in BUILDERS.items():
            settings = stack.settings(SERVICE_SETTINGS[name], **urls, **parts.overrides)
            app = build(settings)
            await running.enter_async_context(app.router.lifespan_context(app))
            apps[name] = app
        yield Services(apps, settings)
