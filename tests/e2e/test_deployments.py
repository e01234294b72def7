"""Running a deployment, through the real HTTP APIs, Kafka and SMTP: the school hears when its
proposed SLE declines and when no SLE can be found; a visit outside the deployment's dates is
refused; the school's evaluation on its private page reaches the coordinator; the overdue
visit-log reminder reaches the coordinator once, across a restart of brokerage."""

import re
import secrets
from collections import Counter
from datetime import datetime
from email.message import EmailMessage
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import select

from services.brokerage.app import build_app as build_brokerage
from services.brokerage.tables import reminders
from services.brokerage.usecases.reminders import send_due
from shared.clock import MovableClock
from tests.e2e.conftest import System
from tests.e2e.test_emails import recipient, settled, text_of, wait_until_nothing_pending
from tests.support.apps import running_app

LONDON = ZoneInfo("Europe/London")
SPRING_2027 = {
    "days": 3,
    "day_rate_pence": 35_000,
    "brokerage_fee_percent": 10,
    "starts_on": "2027-01-11",
    "ends_on": "2027-03-26",  # logs due by Monday 5 April 2027 (Easter skipped)
}


class World:
    """One alliance, one SLE and one school of this test's own, every address tagged ``run``."""

    def __init__(self, system: System, api: httpx.AsyncClient | None = None) -> None:
        self.system = system
        self.api = api or system.brokerage
        self.run = secrets.token_hex(4)
        self.alliance = f"e2e-{self.run}"
        self.staff = system.stack.auth("coordinator", self.alliance)
        self.coordinator = f"cora@{self.run}.example.org"
        self.school = f"head@{self.run}.example.org"
        self.sle: dict[str, Any] = {}
        self.request: dict[str, Any] = {}

    @property
    def rid(self) -> str:
        return str(self.request["id"])

    async def setup(self) -> None:
        made = await self.api.put(
            f"/alliances/{self.alliance}",
            json={
                "name": "Crypt Teaching School Alliance",
                "region": "Gloucestershire",
                "coordinators": [{"name": "Cora Ordinator", "email": self.coordinator}],
            },
            headers=self.system.stack.auth("alliance_admin", self.alliance),
        )
        assert made.status_code == 200, made.text
        sle = await self.api.post(
            "/sles",
            json={
                "name": "Nia Link",
                "email": f"nia@{self.run}.example.org",
                "home_school_urn": "123457",
                "home_school_name": "Beech Primary School",
                "home_head_name": "Hilary Head",
                "home_head_email": f"hilary@{self.run}.example.org",
                "phases": ["primary"],
                "specialisms": ["mathematics"],
                "days_available": 10,
                "region": "Gloucestershire",
            },
            headers=self.staff,
        )
        assert sle.status_code == 201, sle.text
        self.sle = sle.json()
        submitted = await self.api.post(
            "/support-requests",
            json={
                "alliance_id": self.alliance,
                "school_name": "Coney Hill Primary",
                "school_urn": "115999",
                "contact_name": "Hana Head",
                "contact_role": "Headteacher",
                "contact_email": self.school,
                "contact_phone": "01452 000000",
                "areas": ["mathematics"],
                "phase": "primary",
                "needs": "Maths leadership.",
                "outcomes": "Fluency in every class.",
                "timing": "Spring term",
                "days": 3,
                "funding_source": "own_budget",
                "consent_to_share": True,
            },
        )
        assert submitted.status_code == 201, submitted.text
        self.request = submitted.json()

    @property
    def token(self) -> str:
        return str(self.request["school_manage_url"]).split("token=", 1)[1]

    def as_sle(self) -> dict[str, str]:
        return self.system.stack.auth("sle", self.alliance, email=self.sle["email"])

    def as_head(self) -> dict[str, str]:
        return self.system.stack.auth(
            "school_lead", self.alliance, school_urn=self.sle["home_school_urn"]
        )

    async def act(self, step: str, headers: dict[str, str], **body: Any) -> httpx.Response:
        return await self.api.post(
            f"/support-requests/{self.rid}/{step}", json=body, headers=headers
        )

    async def ok(self, step: str, headers: dict[str, str], **body: Any) -> dict[str, Any]:
        response = await self.act(step, headers, **body)
        assert response.status_code == 200, f"{step}: {response.text}"
        return response.json()

    async def proposed(self) -> None:
        await self.ok("triage", self.staff)
        await self.ok("matching", self.staff)
        await self.ok("proposal", self.staff, sle_id=self.sle["id"])

    async def agreed(self, agreement: dict[str, Any]) -> None:
        await self.proposed()
        await self.ok("sle-acceptance", self.as_sle())
        await self.ok("school-confirmation", {}, school_token=self.token)
        await self.ok("home-school-release", self.as_head())
        await self.ok("deployment", self.staff, **agreement)

    def mail(self, to: str, subject: str) -> list[EmailMessage]:
        return [
            m
            for m in settled(self.system, self.run)
            if recipient(m) == to and str(m["Subject"]).startswith(subject)
        ]

    async def wait_for(self, to: str, subject: str) -> EmailMessage:
        def wanted(m: EmailMessage) -> bool:
            return recipient(m) == to and str(m["Subject"]).startswith(subject)

        from devstack.mail import wait_for_messages_async

        [message, *_] = await wait_for_messages_async(self.system.maildir, wanted, 1, timeout_s=60)
        return message


async def test_the_school_hears_of_the_decline_and_that_no_sle_could_be_found(
    system: System,
) -> None:
    world = World(system)
    await world.setup()
    await world.proposed()
    await world.ok("sle-decline", world.as_sle(), reason="No days this term")
    declined = await world.wait_for(world.school, "The proposed SLE cannot support you")
    assert world.request["reference"] in text_of(declined)
    assert f"/support-requests/{world.rid}/school?token=" in text_of(declined)
    await world.ok("unmatched", world.staff, reason="No other mathematics SLE is free")
    closed = await world.wait_for(world.school, "We could not find an SLE")
    assert "No other mathematics SLE is free" in text_of(closed)

    await wait_until_nothing_pending(system, world.alliance)
    to_school = Counter(
        str(m["Subject"]) for m in settled(system, world.run) if recipient(m) == world.school
    )
    assert sum(to_school.values()) == 4  # received, proposed, declined, unmatched: once each
    assert all(count == 1 for count in to_school.values())
    assert len(world.mail(world.coordinator, "SLE declined request")) == 1


async def test_the_evaluation_on_the_schools_page_reaches_the_coordinator(system: System) -> None:
    world = World(system)
    await world.setup()
    await world.agreed({**SPRING_2027, "starts_on": "2026-01-12", "ends_on": "2026-03-27"})
    outside = await world.act("visits", world.as_sle(), visit_date="2026-04-01", days=1)
    assert outside.status_code == 422, outside.text
    assert [e["field"] for e in outside.json()["errors"]] == ["visit_date"]
    await world.ok("visits", world.as_sle(), visit_date="2026-02-02", days=1)
    await world.ok("completion", world.staff)

    page_url = f"/support-requests/{world.rid}/school"
    page = await system.brokerage.get(page_url, params={"token": world.token})
    assert "Evaluate the support" in page.text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf is not None
    form = {"csrf_token": csrf.group(1), "token": world.token, "action": "evaluate"}
    unrated = await system.brokerage.post(page_url, data={**form, "comments": "Kept"})
    assert unrated.status_code == 422
    assert "Error:" in unrated.text and 'href="#rating"' in unrated.text
    assert "Choose a rating from 1 to 5" in unrated.text and ">Kept</textarea>" in unrated.text
    sent = await system.brokerage.post(
        page_url, data={**form, "rating": "4", "comments": "Fluency is up in every class"}
    )
    assert sent.status_code == 200 and "sent to the coordinator" in sent.text
    assert "Evaluate the support" not in sent.text
    again = await system.brokerage.post(page_url, data={**form, "rating": "5"})
    assert "Evaluate the support" not in again.text  # evaluated once; nothing changes

    evaluation = await world.wait_for(world.coordinator, "Evaluation received")
    assert "rated 4 out of 5" in text_of(evaluation)
    assert "Fluency is up in every class" in text_of(evaluation)
    await wait_until_nothing_pending(system, world.alliance)
    assert len(world.mail(world.coordinator, "Evaluation received")) == 1
    # The coordinator heard each party's confirmation, once each.
    confirmations = [
        str(m["Subject"])
        for m in settled(system, world.run)
        if recipient(m) == world.coordinator and "has " in str(m["Subject"])
    ]
    assert sorted(confirmations) == sorted(
        [
            f"Nia Link has accepted: request {world.request['reference']}",
            f"Coney Hill Primary has confirmed the SLE: request {world.request['reference']}",
            f"Beech Primary School has released the SLE: request {world.request['reference']}",
        ]
    )


async def reminders_of(app: Any, rid: str) -> list[str | None]:
    """The outcome of each reminder of the request (None while not done)."""
    query = select(reminders.c.outcome).where(reminders.c.request_id == UUID(rid))
    async with app.state.context.runtime.sessions() as session:
        return list((await session.execute(query)).scalars().all())


async def test_the_overdue_reminder_reaches_the_coordinator_once_across_a_restart(
    system: System,
) -> None:
    clock = MovableClock()
    clock.pinned = datetime(2027, 1, 4, 9, tzinfo=LONDON)
    # the reminder worker runs when woken
    settings = system.settings.model_copy(update={"scheduler_interval_s": 3600})

    def build(settings: Any) -> Any:
        return build_brokerage(settings, clock=clock)

    async with running_app(build, settings) as (app, api):
        world = World(system, api)
        await world.setup()
        await world.agreed(SPRING_2027)
        clock.pinned = datetime(2027, 2, 1, 9, tzinfo=LONDON)
        await world.ok("visits", world.as_sle(), visit_date="2027-01-20", days=1)
        clock.pinned = datetime(2027, 4, 5, 18, tzinfo=LONDON)  # due today: not overdue yet
        assert not await send_due(app.state.context)
        assert await reminders_of(app, world.rid) == [None]

        clock.pinned = datetime(2027, 4, 6, 0, 5, tzinfo=LONDON)
        app.state.reminders.wake()
        reminder = await world.wait_for(world.coordinator, "Visit logs overdue")
        body = text_of(reminder)
        assert world.request["reference"] in body and "Monday 5 April 2027" in body

    async with running_app(build, system.settings) as (restarted, _):
        restarted.state.reminders.wake()
        assert not await send_due(restarted.state.context)  # nothing left to claim
        assert await reminders_of(restarted, world.rid) == ["sent"]

    await wait_until_nothing_pending(system, world.alliance)
    assert len(world.mail(world.coordinator, "Visit logs overdue")) == 1
