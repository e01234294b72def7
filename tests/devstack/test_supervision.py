"""``alliance up`` keeps the services running: kill -9 one mid-burst and no email is lost.

The database, the broker and the SMTP server keep running while a service is restarted; one of
them dying stops everything, with a line that says what was lost.
"""

import asyncio
import os
import secrets
import signal
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from uuid import uuid4

import httpx
import psutil
import pytest

from devstack.mail import read_maildir
from devstack.settings import SERVICES
from shared.web.auth import issue_token
from tests.devstack.up import Up, alliance_up, descendants, running, wait_for_line
from tests.support.wait import eventually

BOOKINGS = 100
CONCURRENCY = 8
KILL_NOTIFICATIONS_AT = 25
KILL_BOOKINGS_AT = 55
RETRYABLE = {502, 503, 504}


class World:
    """One alliance, one school and one course, made through the bookings API."""

    def __init__(self, up: Up) -> None:
        self.run = secrets.token_hex(4)
        self.alliance = f"sup-{self.run}"
        self.urn = f"{secrets.randbelow(900_000) + 100_000}"
        self.lead = f"lead@{self.run}.example.org"
        self.secret = (up.var_dir / "jwt-secret").read_text().strip()
        self.admin = self.auth("alliance_admin")
        self.school = self.auth("school_lead", school_urn=self.urn, email=self.lead)

    def auth(self, role: str, **claims: str) -> dict[str, str]:
        subject = f"{role}-{self.run}"
        token = issue_token(
            self.secret, role=role, alliance_id=self.alliance, subject=subject, **claims
        )
        return {"Authorization": f"Bearer {token}"}

    def participant(self, n: int) -> str:
        return f"p{n:03d}@{self.run}.example.org"

    async def prepare(self, bookings: httpx.AsyncClient) -> str:
        school = await bookings.put(
            f"/schools/{self.urn}",
            json={
                "name": "Hillview Primary",
                "cpd_lead_name": "Lee Lead",
                "cpd_lead_email": self.lead,
                "requires_approval": False,
            },
            headers=self.admin,
        )
        assert school.status_code == 201, school.text
        member = await bookings.put(
            f"/alliances/{self.alliance}/members/{self.urn}", headers=self.admin
        )
        assert member.status_code == 201, member.text
        starts = datetime(2027, 3, 11, 9, 30, tzinfo=UTC)
        course = await bookings.post(
            "/courses",
            json={
                "title": "Maths mastery in Key Stage 2",
                "summary": "Mastery approaches.",
                "strand": "subject_network",
                "phases": ["primary"],
                "audience": "Key Stage 2 teachers",
                "facilitator": "Odyssey maths hub",
                "sessions": [
                    {
                        "starts_at": starts.isoformat(),
                        "ends_at": (starts + timedelta(hours=3)).isoformat(),
                        "venue": "Odyssey Teaching School, Gloucester",
                    }
                ],
                "capacity": BOOKINGS * 2,
                "booking_closes_at": (starts - timedelta(days=7)).isoformat(),
                "member_price_pence": 9_000,
                "non_member_price_pence": 12_000,
            },
            headers=self.admin,
        )
        assert course.status_code == 201, course.text
        course_id = str(course.json()["id"])
        published = await bookings.post(f"/courses/{course_id}/publish", headers=self.admin)
        assert published.status_code == 200, published.text
        return course_id

    async def book(self, bookings: httpx.AsyncClient, course_id: str, n: int) -> str:
        """One booking; sent again with the same Idempotency-Key while bookings is down."""
        key = uuid4().hex
        body = {
            "school_urn": self.urn,
            "participant": {"name": f"Teacher {n:03d}", "email": self.participant(n)},
        }
        headers = {**self.school, "Idempotency-Key": key}

        async def attempt() -> httpx.Response | None:
            try:
                response = await bookings.post(
                    f"/courses/{course_id}/bookings", json=body, headers=headers
                )
            except httpx.TransportError:
                return None
            return None if response.status_code in RETRYABLE else response

        response = await eventually(attempt, lambda r: r is not None, timeout=40, interval=0.2)
        assert response is not None
        assert response.status_code == 201, response.text
        assert response.json()["status"] == "confirmed", response.text
        return str(response.json()["id"])


def kill(pid: int) -> None:
    os.kill(pid, signal.SIGKILL)


async def burst(up: Up, world: World, bookings: httpx.AsyncClient, course_id: str) -> list[str]:
    """BOOKINGS bookings, CONCURRENCY at a time; kill -9 notifications, then bookings, midway."""
    gate = asyncio.Semaphore(CONCURRENCY)
    done = 0
    kills = {
        KILL_NOTIFICATIONS_AT: up.service_pid("notifications"),
        KILL_BOOKINGS_AT: up.service_pid("bookings"),
    }

    async def one(n: int) -> str:
        nonlocal done
        async with gate:
            booking = await world.book(bookings, course_id, n)
        done += 1
        if done in kills:
            kill(kills[done])
        return booking

    return await asyncio.gather(*(one(n) for n in range(BOOKINGS)))


def by_message_id(maildir: Path, run: str) -> dict[str, list[EmailMessage]]:
    found: dict[str, list[EmailMessage]] = defaultdict(list)
    for message in read_maildir(maildir):
        if run in str(message["To"]):
            found[str(message["Message-ID"])].append(message)
    return found


def recipient(message: EmailMessage) -> str:
    return message["To"].addresses[0].addr_spec.lower()


def niceness(up: Up) -> dict[str, int]:
    """Each service's niceness relative to this process's (``alliance up`` inherits it)."""
    ours = psutil.Process().nice()
    return {s: psutil.Process(up.service_pid(s)).nice() - ours for s in SERVICES}


@pytest.mark.timeout(120)
async def test_services_killed_mid_burst_are_restarted_and_every_email_arrives_once() -> None:
    with alliance_up(ALLIANCE_DEMO_DATA="false") as up:
        infrastructure = up.infrastructure()
        assert niceness(up) == {"bookings": 0, "brokerage": 0, "notifications": 10, "finance": 10}
        [smtp] = [pid for pid, cmd in infrastructure.items() if "devstack.smtp_server" in cmd]
        assert psutil.Process(smtp).nice() - psutil.Process().nice() == 10  # mail follows too
        world = World(up)
        async with httpx.AsyncClient(base_url=up.url("bookings"), timeout=10) as bookings:
            course_id = await world.prepare(bookings)
            booked = await burst(up, world, bookings, course_id)
        assert len(set(booked)) == BOOKINGS

        lines = wait_for_line(up.process, up.output, r"notifications restarted \(pid \d+")
        assert any(
            "notifications exited (code -9, SIGKILL)" in line and "restarting at" in line
            for line in lines
        ), lines
        lines = wait_for_line(up.process, up.output, r"bookings restarted \(pid \d+")
        assert any("bookings exited (code -9, SIGKILL)" in line for line in lines), lines
        assert niceness(up)["notifications"] == 10  # restarted as it was started

        maildir = up.var_dir / "mail"
        expected = 2 * BOOKINGS  # the participant and the school's CPD lead, per booking
        mails = await eventually(
            lambda: asyncio.to_thread(by_message_id, maildir, world.run),
            lambda found: len(found) >= expected,
            timeout=45,
            interval=0.5,
            message=f"{expected} distinct Message-IDs",
        )
        async with httpx.AsyncClient(base_url=up.url("notifications"), timeout=10) as api:

            async def pending() -> int:
                response = await api.get(
                    "/notifications",
                    params={"status": "pending", "limit": 1},
                    headers=world.admin,
                )
                return int(response.json()["total"]) if response.status_code == 200 else -1

            await eventually(pending, lambda n: n == 0, timeout=30, message="nothing pending")
        mails = by_message_id(maildir, world.run)

        assert len(mails) == expected  # no event lost, none mailed under two Message-IDs
        for copies in mails.values():  # a resend in the duplicate window is the same email
            assert len({(recipient(m), str(m["Subject"])) for m in copies}) == 1
        per_recipient = Counter(recipient(copies[0]) for copies in mails.values())
        assert per_recipient == {
            world.lead: BOOKINGS,
            **{world.participant(n): 1 for n in range(BOOKINGS)},
        }
        duplicates = sum(len(copies) - 1 for copies in mails.values())
        print(f"{expected} emails, {duplicates} resent with the same Message-ID")

        assert up.infrastructure() == infrastructure  # PostgreSQL, Tansu, SMTP never restarted
        assert up.process.poll() is None


@pytest.mark.timeout(120)
def test_the_broker_dying_stops_everything_and_says_what_was_lost() -> None:
    with alliance_up(ALLIANCE_DEMO_DATA="false") as up:
        children = descendants(up.process.pid)
        broker = [pid for pid, cmd in up.infrastructure().items() if " broker " in f"{cmd} "]
        assert len(broker) == 1, up.infrastructure()
        kill(broker[0])
        assert up.process.wait(timeout=60) == 1
        lines = up.lines()
    died = [line for line in lines if "the Tansu broker exited" in line]
    assert len(died) == 1, lines
    assert died[0].startswith("alliance: the Tansu broker exited (code -9, SIGKILL; its log: ")
    assert "topics and consumer offsets" in died[0]
    assert "outbox rows not yet published are sent; events already consumed are not" in died[0]
    assert died[0].endswith("Stopping everything.")
    assert not any(" restarted (pid" in line for line in lines), lines
    assert lines[-1] == "alliance: stopped"
    for child in children:
        assert not running(child), child
