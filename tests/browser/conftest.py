"""The browser tests: the three services under uvicorn on real ports (their own broker, SMTP
server and databases), and one headless Debian Chromium for the whole session."""

from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI
from playwright.async_api import Browser, BrowserContext, Page, async_playwright

from devstack import free_port
from services.bookings.app import build_app as build_bookings
from services.bookings.config import BookingsSettings
from services.brokerage.app import build_app as build_brokerage
from services.brokerage.config import BrokerageSettings
from services.finance.app import build_app as build_finance
from services.finance.config import FinanceSettings
from services.notifications.app import build_app as build_notifications
from services.notifications.config import NotificationsSettings
from shared.clock import MovableClock
from tests.browser.support import CHROMIUM
from tests.support.isolated import isolated_parts
from tests.support.serving import served
from tests.support.stack import Stack


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--lang=en-GB"]
        )
        try:
            yield launched
        finally:
            await launched.close()


@pytest.fixture
async def page(browser: Browser) -> AsyncIterator[Page]:
    context: BrowserContext = await browser.new_context(locale="en-GB")
    try:
        yield await context.new_page()
    finally:
        await context.close()


@dataclass
class Site:
    stack: Stack
    clock: MovableClock
    bookings: str
    brokerage: str
    notifications: str
    finance: str

    def admin(self, alliance_id: str) -> dict[str, str]:
        return self.stack.auth("alliance_admin", alliance_id, email=f"admin@{alliance_id}.example")


@pytest.fixture(scope="session")
async def site(stack: Stack) -> AsyncIterator[Site]:
    ports = {name: free_port() for name in ("bookings", "brokerage", "notifications", "finance")}
    clock = MovableClock()
    async with isolated_parts(stack, "browser") as parts, AsyncExitStack() as running:
        values: dict[str, object] = {
            **parts.overrides,
            "PUBLIC_PAGE_RATE_LIMIT_PER_MINUTE": 10_000,
            **{f"{n.upper()}_PUBLIC_URL": f"http://127.0.0.1:{p}" for n, p in ports.items()},
        }
        builders: dict[str, Callable[[], FastAPI]] = {
            "bookings": lambda: build_bookings(
                stack.settings(BookingsSettings, **values), clock=clock
            ),
            "brokerage": lambda: build_brokerage(stack.settings(BrokerageSettings, **values)),
            "notifications": lambda: build_notifications(
                stack.settings(NotificationsSettings, **values)
            ),
            # it answers personal-data requests too
            "finance": lambda: build_finance(stack.settings(FinanceSettings, **values)),
        }
        urls = {
            name: await running.enter_async_context(served(build(), ports[name], lifespan="on"))
            for name, build in builders.items()
        }
        yield Site(stack, clock, **urls)


def in_days(clock: MovableClock, days: float) -> str:
    return (clock.now() + timedelta(days=days)).isoformat()


async def publish_course(
    site: Site,
    alliance_id: str,
    title: str,
    *,
    strand: str,
    phases: list[str],
    days_ahead: float,
    capacity: int = 10,
) -> dict:
    start = site.clock.now() + timedelta(days=days_ahead)
    body = {
        "title": title,
        "summary": f"{title}: a course for the browser tests.",
        "strand": strand,
        "phases": phases,
        "audience": "Teachers",
        "facilitator": "A. Facilitator",
        "sessions": [
            {
                "starts_at": start.isoformat(),
                "ends_at": (start + timedelta(hours=3)).isoformat(),
                "venue": "The Teaching School, Gloucester",
            }
        ],
        "capacity": capacity,
        "booking_closes_at": (start - timedelta(hours=12)).isoformat(),
        "member_price_pence": 9_000,
        "non_member_price_pence": 12_000,
    }
    headers = site.admin(alliance_id)
    async with httpx.AsyncClient(base_url=site.bookings) as http:
        created = await http.post("/courses", json=body, headers=headers)
        assert created.status_code == 201, created.text
        course_id = created.json()["id"]
        published = await http.post(f"/courses/{course_id}/publish", headers=headers)
        assert published.status_code == 200, published.text
        return published.json()
