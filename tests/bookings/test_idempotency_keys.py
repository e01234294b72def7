"""An Idempotency-Key names one booking request, whichever course it is sent for: a key used at
the same moment for two courses books one of them, and the other request is refused, not
booked; the booking made is answered the same on a retry, with its waiting-list position."""

import asyncio
from uuid import uuid4

from tests.bookings.conftest import Alliance


async def test_one_key_sent_for_two_courses_at_once_books_only_one(alliance: Alliance) -> None:
    school = await alliance.school()
    courses = [await alliance.course(), await alliance.course()]
    headers = {**school.lead, "Idempotency-Key": uuid4().hex}
    body = school.booking_body()
    answers = await asyncio.gather(
        *(
            alliance.api.post(f"/courses/{c['id']}/bookings", json=body, headers=headers)
            for c in courses * 5
        )
    )
    booked = {a.json()["id"] for a in answers if a.status_code == 201}
    assert len(booked) == 1
    assert {a.status_code for a in answers} == {201, 422}
    [problem] = {a.json()["title"] for a in answers if a.status_code == 422}
    assert problem == "Idempotency key reused"
    held = [
        (await alliance.api.get(f"/bookings?course={c['id']}", headers=alliance.admin)).json()
        for c in courses
    ]
    assert sorted(page["total"] for page in held) == [0, 1]


async def test_a_retried_waiting_booking_answers_with_the_same_position(
    alliance: Alliance,
) -> None:
    course = await alliance.course(capacity=1)
    school = await alliance.school()
    await school.book(course["id"])
    headers = {**school.lead, "Idempotency-Key": uuid4().hex}
    body = school.booking_body()
    url = f"/courses/{course['id']}/bookings"
    first = await alliance.api.post(url, json=body, headers=headers)
    again = await alliance.api.post(url, json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.json()["status"] == "waitlisted" and first.json()["waitlist_position"] == 1
    assert again.json() == first.json()
    read = await alliance.api.get(f"/bookings/{first.json()['id']}", headers=alliance.admin)
    assert read.json() == first.json()
