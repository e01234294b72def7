"""All three services in this process, on the real broker, databases and SMTP server."""

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass

import httpx
import pytest

from services.bookings.app import build_app as build_bookings
from services.brokerage.app import build_app as build_brokerage
from services.notifications.app import build_app as build_notifications
from tests.notifications.support import fast_delivery
from tests.support.apps import running_app
from tests.support.stack import Stack


@dataclass
class System:
    stack: Stack
    bookings: httpx.AsyncClient
    brokerage: httpx.AsyncClient
    notifications: httpx.AsyncClient


@pytest.fixture(scope="module")
async def system(stack: Stack) -> AsyncIterator[System]:
    settings = stack.settings()
    async with AsyncExitStack() as running:
        _, bookings = await running.enter_async_context(running_app(build_bookings, settings))
        _, brokerage = await running.enter_async_context(running_app(build_brokerage, settings))
        _, notifications = await running.enter_async_context(
            running_app(lambda s: build_notifications(s, fast_delivery()), settings)
        )
        yield System(stack, bookings, brokerage, notifications)
