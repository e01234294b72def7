"""A person known to all three services, and a scan of every database for an email."""

import secrets
from dataclasses import dataclass, field
from typing import Any

import asyncpg

from tests.e2e.conftest import System
from tests.e2e.test_emails import BookingsWorld, wait_until_nothing_pending
from tests.support.wait import eventually

TEXT_TYPES = ("text", "character varying", "character", "json", "jsonb", "ARRAY")


async def columns_naming(url: str, email: str) -> list[str]:
    """Every ``table.column`` of the database (text, JSON or arrays of them) holding ``email``
    in any case, read straight from the catalogue: no table is left out."""
    conn = await asyncpg.connect(url.replace("+asyncpg", ""))
    try:
        columns = await conn.fetch(
            "select table_name, column_name from information_schema.columns"
            " where table_schema = 'public' and data_type = any($1::text[])",
            list(TEXT_TYPES),
        )
        found = []
        for table, column in columns:
            hits = await conn.fetchval(
                f'select count(*) from "{table}" where strpos(lower("{column}"::text), $1) > 0',
                email.lower(),
            )
            if hits:
                found.append(f"{table}.{column}")
        return found
    finally:
        await conn.close()


async def naming_everywhere(system: System, email: str) -> dict[str, list[str]]:
    return {service: await columns_naming(url, email) for service, url in system.databases.items()}


@dataclass
class Person:
    """Pat: a participant on a course (booked with an idempotency key), a coordinator on the
    alliance's staff and in its brokerage coordinator list, and the contact of a school's
    support request; emailed for each. Olive is booked on the same course and stays."""

    system: System
    run: str = field(default_factory=lambda: secrets.token_hex(4))
    world: BookingsWorld = field(init=False)
    course: str = ""
    request_id: str = ""

    def __post_init__(self) -> None:
        self.world = BookingsWorld(self.system, self.run)

    @property
    def email(self) -> str:
        return f"pat.person@{self.run}.example.org"

    @property
    def other(self) -> str:
        return f"olive@{self.run}.example.org"

    @property
    def alliance(self) -> str:
        return self.world.alliance

    @property
    def admin(self) -> dict[str, str]:
        return self.world.admin

    async def setup(self) -> None:
        school = await self.world.school(1)
        self.course = await self.world.course("Phonics for the early years")
        await self.world.book(self.course, school, self.email)
        await self.world.book(self.course, school, self.other)
        staffed = await self.system.bookings.post(
            f"/alliances/{self.alliance}/staff",
            json={"email": self.email, "role": "coordinator", "name": "Pat Person"},
            headers=self.admin,
        )
        assert staffed.status_code == 201, staffed.text
        await self._brokerage()
        await eventually(
            lambda: naming_everywhere(self.system, self.email),
            lambda found: all(found.values()),
            timeout=60,
            message="every service holds the person's email",
        )
        await wait_until_nothing_pending(self.system, self.alliance)

    async def _brokerage(self) -> None:
        made = await self.system.brokerage.put(
            f"/alliances/{self.alliance}",
            json={
                "name": "Erasure Teaching School Alliance",
                "region": "Gloucestershire",
                "coordinators": [
                    {"name": "Pat Person", "email": self.email},
                    {"name": "Cora Ordinator", "email": f"cora@{self.run}.example.org"},
                ],
            },
            headers=self.system.stack.auth("alliance_admin", self.alliance),
        )
        assert made.status_code == 200, made.text
        submitted = await self.system.brokerage.post(
            "/support-requests",
            json={
                "alliance_id": self.alliance,
                "school_name": "Coney Hill Primary",
                "school_urn": "115999",
                "contact_name": "Pat Person",
                "contact_role": "Headteacher",
                "contact_email": self.email,
                "contact_phone": "01452 000000",
                "areas": ["mathematics"],
                "phase": "primary",
                "needs": f"Maths leadership; write to {self.email}.",
                "outcomes": "Fluency in every class.",
                "timing": "Spring term",
                "days": 3,
                "funding_source": "own_budget",
                "consent_to_share": True,
            },
        )
        assert submitted.status_code == 201, submitted.text
        self.request_id = submitted.json()["id"]

    async def ask(self, kind: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
        response = await self.system.bookings.post(
            "/personal-data/requests",
            json={"kind": kind, "email": self.email.replace("pat", "Pat", 1)},
            headers=headers or self.admin,
        )
        assert response.status_code == 202, response.text
        return response.json()

    async def completed(
        self, request_id: str, headers: dict[str, str] | None = None
    ) -> dict[str, Any]:
        async def status() -> dict[str, Any]:
            response = await self.system.bookings.get(
                f"/personal-data/requests/{request_id}", headers=headers or self.admin
            )
            assert response.status_code == 200, response.text
            return response.json()

        return await eventually(
            status, lambda s: s["completed_at"] is not None, timeout=60, message="all answered"
        )

    async def api_answers(self) -> list[str]:
        """What the staff's APIs answer about the course, the request and the mail."""
        coordinator = self.system.stack.auth("coordinator", self.alliance)
        answers = [
            await self.system.bookings.get(
                "/bookings", params={"course": self.course}, headers=self.admin
            ),
            await self.system.bookings.get(f"/courses/{self.course}", headers=self.admin),
            await self.system.bookings.get(f"/alliances/{self.alliance}/staff", headers=self.admin),
            await self.system.brokerage.get(
                f"/support-requests/{self.request_id}", headers=coordinator
            ),
            await self.system.brokerage.get("/support-requests", headers=coordinator),
            await self.system.notifications.get(
                "/notifications", params={"limit": 200}, headers=self.admin
            ),
        ]
        for response in answers:
            assert response.status_code == 200, f"{response.url}: {response.text}"
        return [response.text for response in answers]
