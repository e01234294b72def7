import asyncio
import json
from uuid import uuid4

from tests.bookings.conftest import Alliance
from tests.support.kafka import header, read_topic
from tests.support.stack import Stack

CROWD = 200
PLACES = 20


async def test_a_flash_crowd_fills_exactly_the_capacity_in_commit_order(
    alliance: Alliance, stack: Stack
) -> None:
    course = await alliance.course(capacity=PLACES)
    schools = [await alliance.school() for _ in range(4)]

    async def book(i: int) -> dict:
        school = schools[i % len(schools)]
        response = await alliance.api.post(
            f"/courses/{course['id']}/bookings",
            json=school.booking_body(f"crowd-{i}@{school.urn}.school.example.org"),
            headers={**school.lead, "Idempotency-Key": uuid4().hex},
        )
        assert response.status_code == 201, response.text
        return response.json()

    answers = await asyncio.gather(*(book(i) for i in range(CROWD)))
    confirmed = [a for a in answers if a["status"] == "confirmed"]
    waitlisted = [a for a in answers if a["status"] == "waitlisted"]
    assert len(confirmed) == PLACES
    assert len(waitlisted) == CROWD - PLACES
    assert sorted(a["waitlist_position"] for a in waitlisted) == list(range(1, CROWD - PLACES + 1))
    seen = await alliance.api.get(f"/courses/{course['id']}")
    assert seen.json()["places_left"] == 0

    # On the topic (one partition per course, in commit order): every confirmation comes
    # before the first waitlisting, and waiting positions rise one by one.
    allocations = {
        "uk.alliance.bookings.booking_confirmed.v1",
        "uk.alliance.bookings.booking_waitlisted.v1",
    }
    records = await read_topic(
        stack.bootstrap,
        "bookings.events.v1",
        match=lambda r: r.key == course["id"].encode() and header(r, "ce_type") in allocations,
        until=lambda found: len(found) >= CROWD,
    )
    kinds = [header(r, "ce_type").split(".")[3] for r in records]
    assert kinds == ["booking_confirmed"] * PLACES + ["booking_waitlisted"] * (CROWD - PLACES)
    positions = [json.loads(r.value)["position"] for r in records[PLACES:]]
    assert positions == list(range(1, CROWD - PLACES + 1))
