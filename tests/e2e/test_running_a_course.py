"""Running a course through the real parts (HTTP, the broker, the outbox, notifications, SMTP),
with a clock the tests move: reminders once across a restart, attendance to a certificate in
the Maildir, a viability check to a low-numbers cancellation, a course change to everyone."""

import io
import re
import secrets
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any
from urllib.parse import urlsplit
from uuid import uuid4

import httpx
import pypdf
import pytest

from devstack.mail import read_maildir, wait_for_messages_async
from services.bookings.app import build_app as build_bookings
from services.bookings.config import BookingsSettings
from services.bookings.domain.schedule import working_days_before
from services.notifications.app import build_app as build_notifications
from services.notifications.config import NotificationsSettings
from shared.clock import MovableClock
from tests.notifications.support import fast_delivery
from tests.support.apps import running_app
from tests.support.isolated import isolated_parts
from tests.support.stack import Stack

CLOCK = MovableClock()
FAST = {"BOOKINGS_OFFER_EXPIRY_INTERVAL_S": 0.2}


@dataclass
class Parts:
    stack: Stack
    settings: BookingsSettings
    maildir: Any

    @asynccontextmanager
    async def bookings(self) -> AsyncIterator[httpx.AsyncClient]:
        """A bookings service on this clock; each call is a fresh start on the same database."""
        build = lambda s: build_bookings(s, clock=CLOCK)  # noqa: E731
        async with running_app(build, self.settings) as (_, client):
            yield client


@pytest.fixture(scope="module")
async def parts(stack: Stack) -> AsyncIterator[Parts]:
    async with isolated_parts(stack, "course") as isolated:
        settings = stack.settings(BookingsSettings, **isolated.overrides, **FAST)
        notifications = stack.settings(
            NotificationsSettings, **isolated.overrides, **fast_delivery()
        )
        async with running_app(build_notifications, notifications):
            yield Parts(stack, settings, isolated.maildir)


@pytest.fixture(autouse=True)
def clock() -> None:
    CLOCK.reset()


def to(moment: datetime) -> None:
    CLOCK.offset += moment - CLOCK.now()


def recipient(message: EmailMessage) -> str:
    return message["To"].addresses[0].addr_spec.lower()


def text_of(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]


class World:
    def __init__(self, parts: Parts, api: httpx.AsyncClient) -> None:
        self.parts, self.api = parts, api
        self.run = secrets.token_hex(4)
        self.alliance = f"course-{self.run}"
        self.admin = parts.stack.auth(
            "alliance_admin", self.alliance, email=f"admin@{self.run}.example.org"
        )

    async def school(self, n: int) -> dict[str, Any]:
        urn = f"{secrets.randbelow(900_000) + 100_000}"
        lead = f"lead{n}@{self.run}.example.org"
        body = {"name": f"Hillview {n}", "cpd_lead_name": f"Lee Lead {n}", "cpd_lead_email": lead}
        assert (await self.api.put(f"/schools/{urn}", json=body, headers=self.admin)).is_success
        member = await self.api.put(f"/alliances/{self.alliance}/members/{urn}", headers=self.admin)
        assert member.is_success, member.text
        auth = self.parts.stack.auth(
            "school_lead", self.alliance, school_urn=urn, email=lead, subject=f"lead-{urn}"
        )
        return {"urn": urn, "lead": lead, "auth": auth}

    async def course(self, starts: datetime, **overrides: Any) -> dict[str, Any]:
        body = {
            "title": f"Phonics {self.run}",
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
            "capacity": 10,
            "booking_closes_at": (starts - timedelta(hours=12)).isoformat(),
            "member_price_pence": 9_000,
            "non_member_price_pence": 12_000,
            **overrides,
        }
        created = await self.api.post("/courses", json=body, headers=self.admin)
        assert created.status_code == 201, created.text
        course_id = created.json()["id"]
        published = await self.api.post(f"/courses/{course_id}/publish", headers=self.admin)
        assert published.status_code == 200, published.text
        return published.json()

    async def book(self, course: dict[str, Any], school: dict[str, Any], name: str) -> str:
        email = f"{name}@{self.run}.example.org"
        response = await self.api.post(
            f"/courses/{course['id']}/bookings",
            json={"school_urn": school["urn"], "participant": {"name": name, "email": email}},
            headers={**school["auth"], "Idempotency-Key": uuid4().hex},
        )
        assert response.status_code == 201, response.text
        return response.json()["id"]

    async def mail(self, subject: str, count: int) -> list[EmailMessage]:
        def wanted(m: EmailMessage) -> bool:
            return self.run in recipient(m) and str(m["Subject"]).startswith(subject)

        return await wait_for_messages_async(self.parts.maildir, wanted, count, timeout_s=60)

    def all_mail(self, subject: str) -> list[EmailMessage]:
        return [
            m
            for m in read_maildir(self.parts.maildir)
            if self.run in recipient(m) and str(m["Subject"]).startswith(subject)
        ]


async def test_a_reminder_is_sent_once_across_a_restart(parts: Parts) -> None:
    starts = CLOCK.now() + timedelta(days=10)
    async with parts.bookings() as api:
        world = World(parts, api)
        course = await world.course(starts)
        await world.book(course, await world.school(1), "sam")
        to(starts - timedelta(days=7) + timedelta(minutes=5))
        [first] = await world.mail("Reminder:", 1)
        assert "starts in 7 days" in first["Subject"] and recipient(first).startswith("sam@")

    async with parts.bookings() as api:
        world.api = api
        # A course whose reminder is due now: once it is sent, the restarted scheduler has
        # looked at every earlier reminder, the one already sent included.
        marker = await world.course(CLOCK.now() + timedelta(days=7, hours=1))
        await world.book(marker, await world.school(2), "marker")
        to(CLOCK.now() + timedelta(hours=1, minutes=1))
        await world.mail("Reminder:", 2)
        assert len([m for m in world.all_mail("Reminder:") if "sam@" in recipient(m)]) == 1

        to(starts - timedelta(days=1) + timedelta(minutes=5))
        await world.mail("Reminder:", 3)  # sam's "tomorrow" (the marker's is an hour later)
    sam = [str(m["Subject"]) for m in world.all_mail("Reminder:") if "sam@" in recipient(m)]
    assert sorted(sam) == sorted(
        [
            f"Reminder: {course['title']} starts in 7 days",
            f"Reminder: {course['title']} is tomorrow",
        ]
    )


async def test_after_downtime_a_reminder_past_its_grace_is_skipped_not_sent_late(
    parts: Parts,
) -> None:
    starts = CLOCK.now() + timedelta(days=10)
    async with parts.bookings() as api:
        world = World(parts, api)
        course = await world.course(starts)
        await world.book(course, await world.school(1), "sam")
    # Down for eight days: the 7-day reminder is long past, the 1-day one is just due.
    to(starts - timedelta(days=1) + timedelta(hours=2))
    async with parts.bookings():
        [only] = await world.mail("Reminder:", 1)
    assert only["Subject"] == f"Reminder: {course['title']} is tomorrow"
    assert len(world.all_mail("Reminder:")) == 1


async def test_attendance_to_a_certificate_in_the_maildir(parts: Parts) -> None:
    starts = CLOCK.now() + timedelta(days=2)
    async with parts.bookings() as api:
        world = World(parts, api)
        course = await world.course(starts, reminder_days=[])
        school = await world.school(1)
        came = await world.book(course, school, "came")
        missed = await world.book(course, school, "missed")
        to(starts + timedelta(minutes=30))
        marks = {"marks": [{"booking_id": came, "attended": True}]}
        marks["marks"].append({"booking_id": missed, "attended": False})
        register = await api.put(
            f"/courses/{course['id']}/sessions/0/register", json=marks, headers=world.admin
        )
        assert register.status_code == 200, register.text
        to(starts + timedelta(hours=4))
        completed = await api.post(f"/courses/{course['id']}/complete", headers=world.admin)
        assert completed.json() == {"bookings_settled": 2}

        certified = await world.mail("Certificate of attendance:", 2)
        assert Counter(recipient(m) for m in certified) == {
            f"came@{world.run}.example.org": 1,
            school["lead"]: 1,
        }
        not_attended = await world.mail("Not attended:", 2)
        assert Counter(recipient(m) for m in not_attended) == {
            f"missed@{world.run}.example.org": 1,
            school["lead"]: 1,
        }
        for no_show in not_attended:
            assert "will be charged £90" in " ".join(text_of(no_show).split())
        link = re.search(r"https?://\S+certificate\.pdf\?sig=\w+", text_of(certified[0]))
        assert link is not None
        target = urlsplit(link.group(0))
        pdf = await api.get(f"{target.path}?{target.query}")
        assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
        text = " ".join(pypdf.PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text().split())
        assert "Certificate of attendance" in text and "came" in text
        assert course["title"] in text and "Facilitator: Jo Bennett, SLE" in text
        assert "Hours of CPD: 3 hours" in text
        forged = await api.get(f"{target.path}?sig={'0' * 32}")
        assert forged.status_code == 401
        [asked] = await world.mail("How was", 1)
        assert recipient(asked).startswith("came@")


async def test_a_viability_check_leads_to_a_low_numbers_cancellation(parts: Parts) -> None:
    starts = CLOCK.now() + timedelta(days=40)
    async with parts.bookings() as api:
        world = World(parts, api)
        course = await world.course(starts, minimum_viable_numbers=3, reminder_days=[])
        school = await world.school(1)
        await world.book(course, school, "sam")
        to(working_days_before(starts, 10) + timedelta(minutes=1))
        [check] = await world.mail("Numbers check:", 1)
        assert recipient(check) == f"admin@{world.run}.example.org"
        assert "has 1 of 3 needed" in check["Subject"]
        assert "too few bookings" in text_of(check)

        cancelled = await api.post(
            f"/courses/{course['id']}/cancel",
            json={"reason": "Too few bookings to run", "low_numbers": True},
            headers=world.admin,
        )
        assert cancelled.status_code == 200, cancelled.text
        told = await world.mail("Course cancelled:", 2)
        assert {recipient(m) for m in told} == {f"sam@{world.run}.example.org", school["lead"]}
        assert all("There is no charge" in text_of(m) for m in told)


async def test_a_course_change_tells_every_participant_and_their_cpd_lead(parts: Parts) -> None:
    starts = CLOCK.now() + timedelta(days=30)
    async with parts.bookings() as api:
        world = World(parts, api)
        course = await world.course(starts, reminder_days=[])
        one, two = await world.school(1), await world.school(2)
        for school, name in ((one, "ann"), (one, "bob"), (two, "cat")):
            await world.book(course, school, name)
        moved = [{**course["sessions"][0], "venue": "Forest View Academy, Cinderford"}]
        changed = await api.patch(
            f"/courses/{course['id']}", json={"sessions": moved}, headers=world.admin
        )
        assert changed.status_code == 200, changed.text

        told = await world.mail("Course changed:", 6)
        people = {f"{n}@{world.run}.example.org" for n in ("ann", "bob", "cat")}
        lead_counts = Counter(recipient(m) for m in told)
        # Each participant once; each CPD lead once per booking of theirs.
        assert {p: lead_counts[p] for p in people} == dict.fromkeys(people, 1)
        assert lead_counts[one["lead"]] == 2 and lead_counts[two["lead"]] == 1
        text = " ".join(text_of(told[0]).split())
        assert "Forest View Academy, Cinderford" in text
        assert "Odyssey Teaching School, Gloucester" in text
        assert "cancelled free of charge" in text
