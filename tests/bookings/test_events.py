import json
from collections import Counter
from datetime import timedelta
from uuid import UUID

from shared.contracts.base import registry
from tests.bookings.conftest import Alliance, MovableClock
from tests.support.kafka import Record, header, read_topic
from tests.support.stack import Stack
from tests.support.wait import eventually

EXPECTED = Counter(
    {
        "course_published": 1,
        "course_changed": 1,
        "booking_confirmed": 2,
        "booking_awaiting_approval": 2,
        "booking_approved": 1,
        "booking_declined": 1,
        "booking_waitlisted": 2,
        "booking_substituted": 1,
        "booking_cancelled": 3,
        "place_offered": 2,
        "offer_accepted": 1,
        "offer_expired": 1,
        "course_cancelled": 1,
    }
)


def _name(record: Record) -> str:
    return (header(record, "ce_type") or "").split(".")[3]


async def test_every_state_change_is_published_once_with_cloudevents_headers(
    alliance: Alliance, stack: Stack, clock: MovableClock
) -> None:
    api, admin = alliance.api, alliance.admin
    course = await alliance.course(publish=False, capacity=1, offer_hold_hours=1)
    course_id = course["id"]
    await api.post(f"/courses/{course_id}/publish", headers=admin)
    await api.patch(f"/courses/{course_id}", json={"title": "Phonics: next steps"}, headers=admin)
    school = await alliance.school(requires_approval=True)

    p1 = await school.book(course_id, "p1@t.example.org")
    p2 = await school.book(
        course_id, "p2@t.example.org", headers=school.participant("p2@t.example.org")
    )
    await api.post(f"/bookings/{p2['id']}/approve", headers=school.lead)
    p3 = await school.book(
        course_id, "p3@t.example.org", headers=school.participant("p3@t.example.org")
    )
    await api.post(
        f"/bookings/{p3['id']}/decline", json={"reason": "no cover"}, headers=school.lead
    )
    p4 = await school.book(course_id, "p4@t.example.org")
    swapped = await api.post(
        f"/bookings/{p1['id']}/substitute",
        json={"participant": {"name": "Pat Five", "email": "p5@t.example.org"}},
        headers=school.lead,
    )
    assert swapped.status_code == 200
    await api.post(f"/bookings/{p1['id']}/cancel", headers=school.lead)
    accepted = await api.post(f"/bookings/{p2['id']}/accept-offer", headers=school.lead)
    assert accepted.status_code == 200, accepted.text
    await api.post(f"/bookings/{p2['id']}/cancel", json={"reason": "ill"}, headers=school.lead)
    clock.offset = timedelta(hours=1, minutes=1)

    async def status_of_p4() -> str:
        return (await api.get(f"/bookings/{p4['id']}", headers=admin)).json()["status"]

    await eventually(status_of_p4, lambda s: s == "offer_expired")
    p6 = await school.book(course_id, "p6@t.example.org")
    assert p6["status"] == "confirmed"
    cancelled = await api.post(
        f"/courses/{course_id}/cancel", json={"reason": "Venue flooded"}, headers=admin
    )
    assert cancelled.status_code == 200

    records = await read_topic(
        stack.bootstrap,
        "bookings.events.v1",
        match=lambda r: r.key == course_id.encode(),
        until=lambda found: len(found) >= EXPECTED.total(),
    )
    assert Counter(_name(r) for r in records) == EXPECTED
    assert len({header(r, "ce_id") for r in records}) == len(records)
    assert len({r.partition for r in records}) == 1
    for record in records:
        for name in ("ce_id", "ce_type", "ce_source", "ce_specversion", "ce_time", "ce_subject"):
            assert header(record, name), name
        assert header(record, "ce_specversion") == "1.0"
        assert header(record, "ce_source") == "/alliance/bookings"
        assert header(record, "content-type") == "application/json"
        UUID(header(record, "ce_id"))
        data = json.loads(record.value)
        registry.model_for(header(record, "ce_type")).model_validate(data)
        assert data["course"]["url"].endswith(f"/catalogue/{course_id}")
        if "booking" in data:
            booking = data["booking"]
            assert booking["cpd_lead"]["email"] == school.lead_email
            assert booking["booker"]["email"]
            assert booking["participant"]["email"]
            assert booking["school"]["urn"] == school.urn
            assert header(record, "ce_subject") == f"booking/{booking['booking_id']}"

    by_name = {}
    for record in records:
        by_name.setdefault(_name(record), []).append(json.loads(record.value))
    fees = sorted((c["cancelled_by"], c["fee_pence"]) for c in by_name["booking_cancelled"])
    assert fees == [("alliance", 0), ("school", 0), ("school", 0)]
    assert by_name["course_cancelled"][0]["bookings_cancelled"] == 1
    assert by_name["course_cancelled"][0]["reason"] == "Venue flooded"
    assert by_name["course_changed"][0]["changed_fields"] == ["title"]
    assert by_name["booking_substituted"][0]["previous_participant"]["email"] == "p1@t.example.org"
    assert by_name["booking_declined"][0]["reason"] == "no cover"
