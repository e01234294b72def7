"""The whole system in this process: three services on a broker, databases and an SMTP server
of their own, so no other test's events or mail are in the way."""

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from services.bookings.app import build_app as build_bookings
from services.brokerage.app import build_app as build_brokerage
from services.notifications.app import build_app as build_notifications
from shared.settings import Settings
from tests.notifications.support import fast_delivery
from tests.support.apps import running_app
from tests.support.isolated import isolated_parts
from tests.support.stack import Stack


@dataclass
class System:
    stack: Stack
    maildir: Path
    settings: Settings
    bookings: httpx.AsyncClient
    brokerage: httpx.AsyncClient
    notifications: httpx.AsyncClient


@pytest.fixture(scope="module")
async def system(stack: Stack) -> AsyncIterator[System]:
    async with isolated_parts(stack, "e2e") as parts, AsyncExitStack() as running:
        settings = stack.settings(**parts.overrides)
        _, bookings = await running.enter_async_context(running_app(build_bookings, settings))
        _, brokerage = await running.enter_async_context(running_app(build_brokerage, settings))
        _, notifications = await running.enter_async_context(
            running_app(lambda s: build_notifications(s, fast_delivery()), settings)
        )
        yield System(stack, parts.maildir, settings, bookings, brokerage, notifications)
