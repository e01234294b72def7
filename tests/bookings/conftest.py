"""One bookings app per test run (its broker and relay are real), a clock tests can move, and
helpers that speak the HTTP API."""

import itertools
import random
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from uuid import uuid4

import httpx
import pytest

from services.bookings.app import build_app
from services.bookings.config import BookingsSettings
from shared.clock import MovableClock
from tests.support.apps import running_app
from tests.support.stack import Stack

CLOCK = MovableClock()
FAST_EXPIRY = {"offer_expiry_interval_s": 0.2}


def make_app(settings: BookingsSettings) -> Any:
    return build_app(settings.model_copy(update=FAST_EXPIRY), clock=CLOCK)


@pytest.fixture(scope="session")
async def api(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    # The flash crowd queues 200 requests for 20 connections and one course's lock: how long
    # that takes depends on the machine (a speed matter, measured in bench/), so no database wait
    # is what fails here (the bounds themselves are tested in tests/platform and test_usecases).
    settings = stack.settings(
        BookingsSettings,
        DATABASE_POOL_TIMEOUT_S=60,
        DATABASE_CONNECT_TIMEOUT_S=60,
        DATABASE_STATEMENT_TIMEOUT_S=60,
        BOOKINGS_LOCK_TIMEOUT_MS=60_000,
    )
    async with running_app(make_app, settings) as (_, client):
        yield client


@pytest.fixture(autouse=True)
def clock() -> Iterator[MovableClock]:
    CLOCK.reset()
    yield CLOCK
    CLOCK.reset()


_urns = itertools.count(random.randint(100_000, 400_000))


def new_urn() -> str:
    return f"{next(_urns) + random.randint(0, 3) * 200_000:06d}"


def course_body(**overrides: Any) -> dict[str, Any]:
    start = CLOCK.now() + timedelta(days=60)
    body: dict[str, Any] = {
        "title": "Phonics for early readers",
        "summary": "Systematic synthetic phonics in Reception and Year 1.",
        "strand": "cpd",
        "phases": ["primary"],
        "audience": "Reception and Key Stage 1 teachers",
        "facilitator": "Jo Bennett, SLE",
        "sessions": [
            {
                "starts_at": start.isoformat(),
                "ends_at": (start + timedelta(hours=3)).isoformat(),
                "venue": "Odyssey Teaching School, Gloucester",
            }
        ],
        "capacity": 10,
        "booking_closes_at": (start - timedelta(days=7)).isoformat(),
        "member_price_pence": 9_000,
        "non_member_price_pence": 12_000,
    }
    body.update(overrides)
    return body


@dataclass
class Alliance:
    """One tenant: an alliance id, its administrator, and its schools."""

    stack: Stack
    api: httpx.AsyncClient
    alliance_id: str

    @property
    def admin(self) -> dict[str, str]:
        return self.stack.auth(
            "alliance_admin", self.alliance_id, email="admin@alliance.example.org"
        )

    async def course(self, publish: bool = True, **overrides: Any) -> dict[str, Any]:
        created = await self.api.post("/courses", json=course_body(**overrides), headers=self.admin)
        assert created.status_code == 201, created.text
        if not publish:
            return created.json()
        published = await self.api.post(
            f"/courses/{created.json()['id']}/publish", headers=self.admin
        )
        assert published.status_code == 200, published.text
        return published.json()

    async def school(
        self, *, member: bool = True, requires_approval: bool = False, name: str | None = None
    ) -> "School":
        urn = new_urn()
        school = School(self, urn)
        put = await self.api.put(
            f"/schools/{urn}",
            json={
                "name": name or f"School {urn}",
                "cpd_lead_name": "Pat Lead",
                "cpd_lead_email": school.lead_email,
                "requires_approval": requires_approval,
            },
            headers=self.admin,
        )
        assert put.status_code == 201, put.text
        if member:
            joined = await self.api.put(
                f"/alliances/{self.alliance_id}/members/{urn}", headers=self.admin
            )
            assert joined.status_code == 201, joined.text
        return school


@dataclass
class School:
    alliance: Alliance
    urn: str

    @property
    def lead_email(self) -> str:
        return f"cpd.lead@{self.urn}.school.example.org"

    @property
    def lead(self) -> dict[str, str]:
        return self.alliance.stack.auth(
            "school_lead",
            self.alliance.alliance_id,
            school_urn=self.urn,
            email=self.lead_email,
            subject=f"lead-{self.urn}",
        )

    def participant(self, email: str) -> dict[str, str]:
        return self.alliance.stack.auth(
            "participant", self.alliance.alliance_id, school_urn=self.urn, email=email
        )

    def booking_body(self, email: str | None = None, name: str = "Sam Teacher") -> dict[str, Any]:
        return {
            "school_urn": self.urn,
            "participant": {
                "name": name,
                "email": email or f"t-{uuid4().hex[:8]}@{self.urn}.school.example.org",
                "role": "Class teacher",
            },
        }

    async def book(
        self,
        course_id: str,
        email: str | None = None,
        *,
        headers: dict[str, str] | None = None,
        expect: int = 201,
    ) -> dict[str, Any]:
        response = await self.alliance.api.post(
            f"/courses/{course_id}/bookings",
            json=self.booking_body(email),
            headers={**(headers or self.lead), "Idempotency-Key": uuid4().hex},
        )
        assert response.status_code == expect, response.text
        return response.json()


@pytest.fixture
def alliance(stack: Stack, api: httpx.AsyncClient) -> Alliance:
    return Alliance(stack, api, f"alliance-{uuid4().hex[:8]}")


@pytest.fixture
def other_alliance(stack: Stack, api: httpx.AsyncClient) -> Alliance:
    return Alliance(stack, api, f"other-{uuid4().hex[:8]}")
