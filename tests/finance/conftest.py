"""The whole system for money: bookings (on a clock the tests move), brokerage, finance and
notifications, on a broker, databases and an SMTP server of their own."""

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from services.bookings.app import build_app as build_bookings
from services.bookings.config import BookingsSettings
from services.brokerage.app import build_app as build_brokerage
from services.brokerage.config import BrokerageSettings
from services.finance.app import build_app as build_finance
from services.finance.config import FinanceSettings
from services.notifications.app import build_app as build_notifications
from services.notifications.config import NotificationsSettings
from shared.clock import MovableClock
from tests.notifications.support import fast_delivery
from tests.support.apps import running_app
from tests.support.isolated import isolated_parts
from tests.support.stack import Stack

CLOCK = MovableClock()


@dataclass
class Money:
    stack: Stack
    maildir: Path
    bookings: httpx.AsyncClient
    brokerage: httpx.AsyncClient
    finance: httpx.AsyncClient
    finance_app: FastAPI
    finance_settings: FinanceSettings


@pytest.fixture(scope="module")
async def money(stack: Stack) -> AsyncIterator[Money]:
    async with isolated_parts(stack, "money") as parts, AsyncExitStack() as running:

        def settings(cls: type[Any], **extra: object) -> Any:
            return stack.settings(cls, **parts.overrides, **extra)

        def bookings_on_clock(s: BookingsSettings) -> FastAPI:
            return build_bookings(s, clock=CLOCK)

        _, bookings = await running.enter_async_context(
            running_app(bookings_on_clock, settings(BookingsSettings))
        )
        _, brokerage = await running.enter_async_context(
            running_app(build_brokerage, settings(BrokerageSettings))
        )
        finance_settings = settings(FinanceSettings)
        finance_app, finance = await running.enter_async_context(
            running_app(build_finance, finance_settings)
        )
        await running.enter_async_context(
            running_app(build_notifications, settings(NotificationsSettings, **fast_delivery()))
        )
        yield Money(
            stack, parts.maildir, bookings, brokerage, finance, finance_app, finance_settings
        )


@pytest.fixture(autouse=True)
def clock() -> None:
    CLOCK.reset()
