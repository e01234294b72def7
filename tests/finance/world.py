"""One alliance of a test's own, its schools, courses and an SLE, driven through the real
bookings and brokerage APIs; every address tagged with the run."""

import secrets
from datetime import date, datetime, timedelta
from typing import Any
from uuid import uuid4

import httpx

from tests.finance.conftest import CLOCK, Money
from tests.support.wait import eventually


class World:
    def __init__(self, money: Money) -> None:
        self.money = money
        self.run = secrets.token_hex(4)
        self.alliance = f"money-{self.run}"
        self.admin_email = f"admin@{self.run}.example.org"
        self.admin = money.stack.auth("alliance_admin", self.alliance, email=self.admin_email)

    @property
    def api(self) -> httpx.AsyncClient:
        return self.money.bookings

    async def school(self, name: str, *, member: bool) -> dict[str, Any]:
        urn = f"{secrets.randbelow(900_000) + 100_000}"
        lead = f"lead.{urn}@{self.run}.example.org"
        body = {"name": name, "cpd_lead_name": f"Lead of {name}", "cpd_lead_email": lead}
        made = await self.api.put(f"/schools/{urn}", json=body, headers=self.admin)
        assert made.is_success, made.text
        if member:
            joined = await self.api.put(
                f"/alliances/{self.alliance}/members/{urn}", headers=self.admin
            )
            assert joined.is_success, joined.text
        auth = self.money.stack.auth(
            "school_lead", self.alliance, school_urn=urn, email=lead, subject=f"lead-{urn}"
        )
        return {"urn": urn, "name": name, "lead": lead, "auth": auth}

    async def course(self, title: str, starts: datetime) -> dict[str, Any]:
        body = {
            "title": f"{title} {self.run}",
            "strand": "cpd",
            "phases": ["primary"],
            "facilitator": "Jo Bennett, SLE",
            "sessions": [
                {
                    "starts_at": starts.isoformat(),
                    "ends_at": (starts + timedelta(hours=3)).isoformat(),
                    "venue": "Odyssey Teaching School, Gloucester",
                }
            ],
            "capacity": 20,
            "booking_closes_at": (starts - timedelta(hours=12)).isoformat(),
            "member_price_pence": 9_000,
            "non_member_price_pence": 12_000,
            "reminder_days": [],
        }
        created = await self.api.post("/courses", json=body, headers=self.admin)
        assert created.status_code == 201, created.text
        course_id = created.json()["id"]
        published = await self.api.post(f"/courses/{course_id}/publish", headers=self.admin)
        assert published.status_code == 200, published.text
        return published.json()

    async def book(self, course: dict[str, Any], school: dict[str, Any], name: str) -> str:
        response = await self.api.post(
            f"/courses/{course['id']}/bookings",
            json={
                "school_urn": school["urn"],
                "participant": {"name": name, "email": f"{name}@{self.run}.example.org"},
            },
            headers={**school["auth"], "Idempotency-Key": uuid4().hex},
        )
        assert response.status_code == 201, response.text
        assert response.json()["status"] == "confirmed", response.text
        return str(response.json()["id"])

    async def deployment(
        self, school: dict[str, Any], home: dict[str, Any], *, days_delivered: list[float]
    ) -> dict[str, Any]:
        """An SLE from ``home`` supports ``school`` (3 days at £350, a 10% fee) and delivers
        ``days_delivered``; returns the request (its reference and id)."""
        api, stack = self.money.brokerage, self.money.stack
        staff = stack.auth("coordinator", self.alliance)
        made = await api.put(
            f"/alliances/{self.alliance}",
            json={
                "name": "Money Teaching School Alliance",
                "region": "Gloucestershire",
                "coordinators": [{"name": "Cora", "email": f"cora@{self.run}.example.org"}],
            },
            headers=stack.auth("alliance_admin", self.alliance),
        )
        assert made.status_code == 200, made.text
        sle_email = f"nia@{self.run}.example.org"
        sle = await api.post(
            "/sles",
            json={
                "name": "Nia Link",
                "email": sle_email,
                "home_school_urn": home["urn"],
                "home_school_name": home["name"],
                "home_head_name": "Hilary Head",
                "home_head_email": f"hilary@{self.run}.example.org",
                "phases": ["primary"],
                "specialisms": ["mathematics"],
                "days_available": 10,
                "region": "Gloucestershire",
            },
            headers=staff,
        )
        assert sle.status_code == 201, sle.text
        submitted = await api.post(
            "/support-requests",
            json={
                "alliance_id": self.alliance,
                "school_name": school["name"],
                "school_urn": school["urn"],
                "contact_name": "Hana Head",
                "contact_role": "Headteacher",
                "contact_email": f"hana@{self.run}.example.org",
                "contact_phone": "01452 000000",
                "areas": ["mathematics"],
                "phase": "primary",
                "needs": "Maths leadership.",
                "outcomes": "Fluency in every class.",
                "timing": "This term",
                "days": 3,
                "funding_source": "own_budget",
                "consent_to_share": True,
            },
        )
        assert submitted.status_code == 201, submitted.text
        request = submitted.json()
        rid, token = request["id"], str(request["school_manage_url"]).split("token=", 1)[1]
        as_sle = stack.auth("sle", self.alliance, email=sle_email)
        as_head = stack.auth("school_lead", self.alliance, school_urn=home["urn"])

        async def step(name: str, headers: dict[str, str], **body: Any) -> None:
            response = await api.post(f"/support-requests/{rid}/{name}", json=body, headers=headers)
            assert response.status_code == 200, f"{name}: {response.text}"

        today = date.today()
        await step("triage", staff)
        await step("matching", staff)
        await step("proposal", staff, sle_id=sle.json()["id"])
        await step("sle-acceptance", as_sle)
        await step("school-confirmation", {}, school_token=token)
        await step("home-school-release", as_head)
        await step(
            "deployment",
            staff,
            days=3,
            day_rate_pence=35_000,
            brokerage_fee_percent=10,
            starts_on=(today - timedelta(days=30)).isoformat(),
            ends_on=(today + timedelta(days=30)).isoformat(),
        )
        for n, days in enumerate(days_delivered, start=1):
            visit_on = (today - timedelta(days=n)).isoformat()
            await step("visits", as_sle, visit_date=visit_on, days=days)
        await step("cancellation", staff, reason="The school's needs changed")
        return request

    async def statement(self, urn: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
        today = date.today()
        response = await self.money.finance.get(
            f"/alliances/{self.alliance}/schools/{urn}/statement",
            params={
                "from": (today - timedelta(days=3)).isoformat(),
                "to": (today + timedelta(days=3)).isoformat(),
            },
            headers=headers or self.admin,
        )
        assert response.status_code == 200, response.text
        return dict(response.json())

    async def statement_when(self, urn: str, lines: int) -> dict[str, Any]:
        """The statement once finance has taken in ``lines`` money facts for the school."""

        async def probe() -> dict[str, Any]:
            return await self.statement(urn)

        return await eventually(probe, lambda s: len(s["lines"]) >= lines, timeout=60)

    def period(self) -> dict[str, str]:
        today = date.today()
        return {
            "period_from": (today - timedelta(days=3)).isoformat(),
            "period_to": (today + timedelta(days=3)).isoformat(),
        }


def move_to(moment: datetime) -> None:
    CLOCK.offset += moment - CLOCK.now()
