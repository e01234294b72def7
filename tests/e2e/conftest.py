"""The whole system in this process: three services on a broker, databases and an SMTP server
of their own, so no other test's events or mail are in the way."""

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from services.bookings.app import build_app as build_bookings
from services.bookings.config import BookingsSettings
from services.brokerage.app import build_app as build_brokerage
from services.brokerage.config import BrokerageSettings
from services.notifications.app import build_app as build_notifications
from services.notifications.config import NotificationsSettings
from tests.notifications.support import fast_delivery
from tests.support.apps import running_app
from tests.support.isolated import isolated_parts
from tests.support.stack import Stack


@dataclass
class System:
    stack: Stack
    maildir: Path
    settings: BrokerageSettings
    """Brokerage's settings on these parts, for a test that starts a brokerage of its own."""
    bookings: httpx.AsyncClient
    brokerage: httpx.AsyncClient
    notifications: httpx.AsyncClient
    databases: dict[str, str] = field(default_factory=dict)
    """Each service's database URL (by service name)."""


@pytest.fixture(scope="module")
async def system(stack: Stack) -> AsyncIterator[System]:
    async with isolated_parts(stack, "e2e") as parts, AsyncExitStack() as running:
        bookings_settings = stack.settings(BookingsSettings, **parts.overrides)
        brokerage_settings = stack.settings(BrokerageSettings, **parts.overrides)
        notifications_settings = stack.settings(
            NotificationsSettings, **parts.overrides, **fast_delivery()
        )
        _, bookings = await running.enter_async_context(
            running_app(build_bookings, bookings_settings)
        )
        _, brokerage = await running.enter_async_context(
            running_app(build_brokerage, brokerage_settings)
        )
        _, notifications = await running.enter_async_context(
            running_app(build_notifications, notifications_settings)
        )
        databases = {
            "bookings": bookings_settings.database_url(),
            "brokerage": brokerage_settings.database_url(),
            "notifications": notifications_settings.database_url(),
        }
        yield System(
            stack,
            parts.maildir,
            brokerage_settings,
            bookings,
            brokerage,
            notifications,
            databases,
        )
