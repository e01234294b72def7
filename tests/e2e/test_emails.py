"""What people receive when things happen, through the real HTTP APIs, Kafka and SMTP."""

import re
import secrets
from collections import Counter
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any
from uuid import uuid4

from devstack.mail import read_maildir, wait_for_messages_async
from tests.e2e.conftest import System

LONDON_DAY = "Thursday 11 March 2027"


def recipient(message: EmailMessage) -> str:
    return message["To"].addresses[0].addr_spec.lower()


def text_of(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]


async def mail_for(system: System, run: str, count: int) -> list[EmailMessage]:
    return await wait_for_messages_async(
        system.maildir, lambda m: run in recipient(m), count, timeout_s=60
    )


def settled(system: System, run: str) -> list[EmailMessage]:
    return [m for m in read_maildir(system.maildir) if run in recipient(m)]


async def wait_until_nothing_pending(system: System, alliance_id: str) -> None:
    from tests.support.wait import eventually

    admin = system.stack.auth("alliance_admin", alliance_id)

    async def pending() -> int:
        response = await system.notifications.get(
            "/notifications", params={"status": "pending", "limit": 1}, headers=admin
        )
        return int(response.json()["total"])

    await eventually(pending, lambda n: n == 0, timeout=30)


class BookingsWorld:
    def __init__(self, system: System, run: str) -> None:
        self.system = system
        self.run = run
        self.alliance = f"e2e-{run}"
        self.admin = system.stack.auth(
            "alliance_admin", self.alliance, email=f"admin@{run}.example.org"
        )

    async def school(self, n: int) -> dict[str, Any]:
        urn = f"{secrets.randbelow(900_000) + 100_000}"
        lead = f"lead{n}@{self.run}.example.org"
        api = self.system.bookings
        school = await api.put(
            f"/schools/{urn}",
            json={
                "name": f"Hillview {n}",
                "cpd_lead_name": f"Lee Lead {n}",
                "cpd_lead_email": lead,
                "requires_approval": False,
            },
            headers=self.admin,
        )
        assert school.status_code == 201, school.text
        member = await api.put(f"/alliances/{self.alliance}/members/{urn}", headers=self.admin)
        assert member.status_code == 201, member.text
        token = self.system.stack.auth(
            "school_lead", self.alliance, school_urn=urn, email=lead, subject=f"lead-{urn}"
        )
        return {"urn": urn, "lead": lead, "auth": token}

    async def course(self, title: str) -> str:
        starts = datetime(2027, 3, 11, 9, 30, tzinfo=UTC)
        body = {
            "title": title,
            "summary": "Mastery approaches in Key Stage 2.",
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
            "capacity": 20,
            "booking_closes_at": (starts - timedelta(days=7)).isoformat(),
            "member_price_pence": 9_000,
            "non_member_price_pence": 12_000,
        }
        created = await self.system.bookings.post("/courses", json=body, headers=self.admin)
        assert created.status_code == 201, created.text
        course_id = created.json()["id"]
        published = await self.system.bookings.post(
            f"/courses/{course_id}/publish", headers=self.admin
        )
        assert published.status_code == 200, published.text
        return course_id

    async def book(self, course_id: str, school: dict[str, Any], participant: str) -> None:
        response = await self.system.bookings.post(
            f"/courses/{course_id}/bookings",
            json={
                "school_urn": school["urn"],
                "participant": {
                    "name": "Sam Teacher",
                    "email": participant,
                    "role": "Class teacher",
                },
            },
            headers={**school["auth"], "Idempotency-Key": uuid4().hex},
        )
        assert response.status_code == 201, response.text
        assert response.json()["status"] == "confirmed"


async def test_a_booking_emails_the_participant_and_the_cpd_lead_once_each(
    system: System,
) -> None:
    run = secrets.token_hex(4)
    world = BookingsWorld(system, run)
    school = await world.school(1)
    course = await world.course("Maths mastery in Key Stage 2")
    participant = f"sam@{run}.example.org"
    await world.book(course, school, participant)

    mails = await mail_for(system, run, 2)
    await wait_until_nothing_pending(system, world.alliance)
    mails = settled(system, run)
    assert Counter(recipient(m) for m in mails) == {participant: 1, school["lead"]: 1}
    for message in mails:
        body = text_of(message)
        assert "Maths mastery in Key Stage 2" in body
        assert LONDON_DAY in body
        assert "Price: £90" in body
        assert "/places/" in body  # the booking's page
        assert "confirmed" in message["Subject"].lower()


async def test_cancelling_a_course_emails_each_participant_and_lead_exactly_once(
    system: System,
) -> None:
    run = secrets.token_hex(4)
    world = BookingsWorld(system, run)
    course = await world.course("Reading for pleasure")
    schools = [await world.school(n) for n in range(3)]
    participants = [f"p{n}@{run}.example.org" for n in range(3)]
    for school, participant in zip(schools, participants, strict=True):
        await world.book(course, school, participant)
    await mail_for(system, run, 6)

    cancelled = await system.bookings.post(
        f"/courses/{course}/cancel",
        json={"reason": "The facilitator is ill."},
        headers=world.admin,
    )
    assert cancelled.status_code == 200, cancelled.text

    await mail_for(system, run, 13)
    await wait_until_nothing_pending(system, world.alliance)
    admin_email = f"admin@{run}.example.org"
    summaries = [m for m in settled(system, run) if recipient(m) == admin_email]
    assert len(summaries) == 1
    assert summaries[0]["Subject"] == "You cancelled Reading for pleasure: 3 bookings cancelled"
    cancellations = [
        m
        for m in settled(system, run)
        if "cancel" in m["Subject"].lower() and recipient(m) != admin_email
    ]
    expected = {address: 1 for address in participants + [s["lead"] for s in schools]}
    assert Counter(recipient(m) for m in cancellations) == expected
    for message in cancellations:
        body = text_of(message)
        assert "Reading for pleasure" in body
        assert "The facilitator is ill." in body
        assert "Cancellation fee: No charge" in body


async def test_a_support_request_through_the_form_emails_the_school_and_the_coordinators(
    system: System,
) -> None:
    run = secrets.token_hex(4)
    alliance = f"e2e-{run}"
    coordinators = [f"cora@{run}.example.org", f"colin@{run}.example.org"]
    made = await system.brokerage.put(
        f"/alliances/{alliance}",
        json={
            "name": "Crypt Teaching School Alliance",
            "region": "Gloucestershire",
            "coordinators": [
                {"name": "Cora Ordinator", "email": coordinators[0]},
                {"name": "Colin Ordinator", "email": coordinators[1]},
            ],
        },
        headers=system.stack.auth("alliance_admin", alliance),
    )
    assert made.status_code == 200, made.text

    page = await system.brokerage.get("/support-requests/new", params={"alliance": alliance})
    assert page.status_code == 200
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    school_contact = f"head@{run}.example.org"
    submitted = await system.brokerage.post(
        "/support-requests",
        data={
            "csrf_token": token.group(1),
            "alliance_id": alliance,
            "school_name": "Coney Hill Primary",
            "school_urn": "115999",
            "contact_name": "Hana Head",
            "contact_role": "Headteacher",
            "contact_email": school_contact,
            "contact_phone": "01452 000000",
            "areas": ["phonics"],
            "phase": "primary",
            "needs": "Phonics leadership.",
            "outcomes": "Every child reading by Year 2.",
            "timing": "Spring term",
            "days": "2",
            "funding_source": "own_budget",
            "consent_to_share": "yes",
        },
    )
    assert submitted.status_code == 201, submitted.text
    reference = re.search(r"SR-\d{4}-\d+", submitted.text)
    assert reference is not None

    await mail_for(system, run, 3)
    await wait_until_nothing_pending(system, alliance)
    mails = settled(system, run)
    assert Counter(recipient(m) for m in mails) == {
        school_contact: 1,
        **{c: 1 for c in coordinators},
    }
    for message in mails:
        assert reference.group(0) in text_of(message)
    school_mail = next(m for m in mails if recipient(m) == school_contact)
    assert "/school?token=" in text_of(school_mail)

    # The link in the email works; the copy notifications keeps (staff can read it) does not.
    link = re.search(r"https?://\S+/school\?token=(\S+)", text_of(school_mail))
    assert link is not None
    path = "/" + link.group(0).split("://", 1)[1].split("/", 1)[1]
    page = await system.brokerage.get(path)
    assert page.status_code == 200 and reference.group(0) in page.text
    admin = system.stack.auth("alliance_admin", alliance)
    listed = await system.notifications.get(
        "/notifications", params={"recipient": school_contact}, headers=admin
    )
    [stored] = listed.json()["items"]
    detail = await system.notifications.get(f"/notifications/{stored['id']}", headers=admin)
    kept = detail.json()
    assert reference.group(0) in kept["body_text"]
    assert link.group(1) not in kept["body_text"] and link.group(1) not in kept["body_html"]
