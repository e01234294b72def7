"""The whole system in this process: three services on their own broker and databases (so no
other test's events are in the way), mailing to the test SMTP server."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass

import httpx
import pytest

from services.bookings.app import build_app as build_bookings
from services.brokerage.app import build_app as build_brokerage
from services.notifications.app import build_app as build_notifications
from shared.contracts.topics import all_topics
from shared.devstack import TansuBroker, ensure_topics, free_port
from shared.settings import SERVICES
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
    kafka = TansuBroker(free_port(), stack.root / "e2e-kafka.log")
    await asyncio.to_thread(kafka.start)
    try:
        await ensure_topics(kafka.bootstrap, all_topics())
        databases = {
            f"{service.upper()}_DATABASE_URL": await stack.migrated_database(
                service, f"e2e_{service}"
            )
            for service in SERVICES
        }
        settings = stack.settings(KAFKA_BOOTSTRAP_SERVERS=kafka.bootstrap, **databases)
        async with AsyncExitStack() as running:
            _, bookings = await running.enter_async_context(running_app(build_bookings, settings))
            _, brokerage = await running.enter_async_context(running_app(build_brokerage, settings))
            _, notifications = await running.enter_async_context(
                running_app(lambda s: build_notifications(s, fast_delivery()), settings)
            )
            yield System(stack, bookings, brokerage, notifications)
    finally:
        await asyncio.to_thread(kafka.stop)
