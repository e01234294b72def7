from datetime import UTC, datetime, timedelta
from uuid import uuid4

import httpx

from tests.bookings.conftest import Alliance, MovableClock


async def test_booking_confirms_at_the_member_price(alliance: Alliance) -> None:
    course = await alliance.course()
    member = await alliance.school()
    outsider = await alliance.school(member=False)
    booked = await member.book(course["id"])
    assert booked["status"] == "confirmed"
    assert booked["price_pence"] == 9_000
    assert booked["booker"]["email"] == member.lead_email
    assert booked["booker"]["name"] == "Pat Lead"
    other = await outsider.book(course["id"])
    assert other["price_pence"] == 12_000
    seen = await alliance.api.get(f"/courses/{course['id']}")
    assert seen.json()["places_left"] == 8


async def test_one_person_cannot_hold_two_live_bookings(alliance: Alliance) -> None:
    course = await alliance.course()
    school = await alliance.school()
    await school.book(course["id"], "twice@school.example.org")
    refused = await school.book(course["id"], "TWICE@school.example.org", expect=409)
    assert "already holds" in refused["detail"]


async def test_no_booking_on_draft_cancelled_or_closed_courses(
    alliance: Alliance, clock: MovableClock
) -> None:
    school = await alliance.school()
    draft = await alliance.course(publish=False)
    assert "not published" in (await school.book(draft["id"], expect=409))["detail"]

    cancelled = await alliance.course()
    await alliance.api.post(
        f"/courses/{cancelled['id']}/cancel",
        json={"reason": "facilitator ill"},
        headers=alliance.admin,
    )
    assert "cancelled" in (await school.book(cancelled["id"], expect=409))["detail"]

    closing = await alliance.course()
    clock.offset = timedelta(days=54)  # booking closes 53 days after creation
    refused = await school.book(closing["id"], expect=409)
    assert "closed" in refused["detail"]
    assert refused["status"] == 409


async def test_participant_books_only_themselves_and_lead_sees_the_school(
    alliance: Alliance,
) -> None:
    course = await alliance.course()
    school = await alliance.school()
    other_school = await alliance.school()
    me = "me@teacher.example.org"
    mine = await school.book(course["id"], me, headers=school.participant(me))
    assert mine["booker"]["email"] == me
    await school.book(
        course["id"], "someone@else.example.org", headers=school.participant(me), expect=403
    )
    await school.book(course["id"], headers=other_school.lead, expect=403)

    listed = await alliance.api.get(f"/bookings?course={course['id']}", headers=school.lead)
    assert [b["id"] for b in listed.json()["items"]] == [mine["id"]]
    assert (
        await alliance.api.get(f"/bookings/{mine['id']}", headers=other_school.lead)
    ).status_code == 404
    own = await alliance.api.get("/bookings", headers=school.participant(me))
    assert own.json()["total"] == 1


async def test_idempotent_replay_returns_the_first_response(alliance: Alliance) -> None:
    course = await alliance.course()
    school = await alliance.school()
    body = school.booking_body()
    headers = {**school.lead, "Idempotency-Key": f"key-{uuid4()}"}
    first = await alliance.api.post(f"/courses/{course['id']}/bookings", json=body, headers=headers)
    again = await alliance.api.post(f"/courses/{course['id']}/bookings", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    listed = await alliance.api.get(f"/bookings?course={course['id']}", headers=alliance.admin)
    assert listed.json()["total"] == 1

    other = school.booking_body()
    reused = await alliance.api.post(
        f"/courses/{course['id']}/bookings", json=other, headers=headers
    )
    assert reused.status_code == 422
    assert reused.headers["content-type"] == "application/problem+json"
    missing = await alliance.api.post(
        f"/courses/{course['id']}/bookings", json=other, headers=school.lead
    )
    assert missing.status_code == 422


async def test_concurrent_repeats_of_one_key_create_one_booking(alliance: Alliance) -> None:
    import asyncio

    course = await alliance.course()
    school = await alliance.school()
    body = school.booking_body()
    headers = {**school.lead, "Idempotency-Key": uuid4().hex}
    answers = await asyncio.gather(
        *(
            alliance.api.post(f"/courses/{course['id']}/bookings", json=body, headers=headers)
            for _ in range(10)
        )
    )
    assert {a.status_code for a in answers} == {201}
    assert len({a.json()["id"] for a in answers}) == 1


async def test_approval_flow(alliance: Alliance) -> None:
    course = await alliance.course(capacity=1)
    school = await alliance.school(requires_approval=True)
    first = await school.book(
        course["id"], "a@t.example.org", headers=school.participant("a@t.example.org")
    )
    second = await school.book(
        course["id"], "b@t.example.org", headers=school.participant("b@t.example.org")
    )
    assert first["status"] == second["status"] == "awaiting_approval"
    # An awaiting booking holds no place.
    assert (await alliance.api.get(f"/courses/{course['id']}")).json()["places_left"] == 1
    # Only the school's CPD lead decides.
    nope = await alliance.api.post(
        f"/bookings/{first['id']}/approve", headers=school.participant("a@t.example.org")
    )
    assert nope.status_code == 403
    approved = await alliance.api.post(f"/bookings/{second['id']}/approve", headers=school.lead)
    assert approved.json()["status"] == "confirmed"
    declined = await alliance.api.post(
        f"/bookings/{first['id']}/decline", json={"reason": "budget"}, headers=school.lead
    )
    assert declined.json()["status"] == "declined"
    again = await alliance.api.post(f"/bookings/{first['id']}/approve", headers=school.lead)
    assert again.status_code == 409
    # The lead's own bookings need no approval.
    direct = await school.book(course["id"])
    assert direct["status"] == "waitlisted"


async def test_fee_bands_across_the_christmas_bank_holidays(
    alliance: Alliance, clock: MovableClock
) -> None:
    clock.pinned = datetime(2026, 12, 1, 12, tzinfo=UTC)
    first = datetime(2027, 1, 6, 9, 30, tzinfo=UTC)
    course = await alliance.course(
        sessions=[
            {
                "starts_at": first.isoformat(),
                "ends_at": (first + timedelta(hours=6)).isoformat(),
                "venue": "Forest Way School, Coalville",
            }
        ],
        booking_closes_at=(first - timedelta(days=1)).isoformat(),
        member_price_pence=12_000,
    )
    school = await alliance.school()
    early, mid, late = [await school.book(course["id"]) for _ in range(3)]

    async def cancel(booking: dict, when: datetime) -> dict:
        clock.pinned = when
        answer = await alliance.api.post(f"/bookings/{booking['id']}/cancel", headers=school.lead)
        assert answer.status_code == 200, answer.text
        return answer.json()

    # 16 Dec: 11 working days (Christmas, Boxing Day substitute and New Year skipped): free.
    assert (await cancel(early, datetime(2026, 12, 16, 10, tzinfo=UTC)))["fee_pence"] == 0
    # 18 Dec: 19 calendar days away but only 9 working days: half.
    assert (await cancel(mid, datetime(2026, 12, 18, 10, tzinfo=UTC)))["fee_pence"] == 6_000
    # 31 Dec: Mon 4 and Tue 5 Jan only: everything.
    cancelled = await cancel(late, datetime(2026, 12, 31, 10, tzinfo=UTC))
    assert cancelled["fee_pence"] == 12_000
    assert cancelled["cancelled_by"] == "school"
    assert cancelled["status"] == "cancelled"


async def test_substitution_keeps_the_place_without_a_fee(alliance: Alliance) -> None:
    course = await alliance.course(capacity=1)
    school = await alliance.school()
    booking = await school.book(course["id"], "old@t.example.org")
    swapped = await alliance.api.post(
        f"/bookings/{booking['id']}/substitute",
        json={"participant": {"name": "New Person", "email": "new@t.example.org"}},
        headers=school.lead,
    )
    assert swapped.status_code == 200, swapped.text
    assert swapped.json()["participant"]["email"] == "new@t.example.org"
    assert swapped.json()["status"] == "confirmed"
    assert swapped.json()["fee_pence"] is None
    # The old participant may book again, onto the waiting list.
    assert (await school.book(course["id"], "old@t.example.org"))["status"] == "waitlisted"


async def test_another_alliance_cannot_touch_courses_or_bookings(
    alliance: Alliance, other_alliance: Alliance, api: httpx.AsyncClient
) -> None:
    draft = await alliance.course(publish=False)
    published = await alliance.course()
    school = await alliance.school()
    booking = await school.book(published["id"])
    stranger = other_alliance.admin
    assert (await api.get(f"/courses/{draft['id']}", headers=stranger)).status_code == 404
    assert (await api.get(f"/courses/{draft['id']}")).status_code == 404
    assert (
        await api.patch(f"/courses/{draft['id']}", json={"title": "x"}, headers=stranger)
    ).status_code == 404
    assert (await api.post(f"/courses/{draft['id']}/publish", headers=stranger)).status_code == 404
    assert (
        await api.patch(f"/courses/{published['id']}", json={"title": "x"}, headers=stranger)
    ).status_code == 403
    cancel = await api.post(
        f"/courses/{published['id']}/cancel", json={"reason": "x"}, headers=stranger
    )
    assert cancel.status_code == 403
    assert (await api.get(f"/bookings/{booking['id']}", headers=stranger)).status_code == 404
    assert (
        await api.post(f"/bookings/{booking['id']}/cancel", headers=stranger)
    ).status_code == 404
    assert (await api.get(f"/bookings?course={published['id']}", headers=stranger)).json()[
        "total"
    ] == 0
    assert (
        await api.put(f"/alliances/{alliance.alliance_id}/members/{school.urn}", headers=stranger)
    ).status_code == 403
    assert (
        await api.put(
            f"/schools/{school.urn}",
            json={"name": "Mine now", "cpd_lead_name": "X", "cpd_lead_email": "x@x.example.org"},
            headers=stranger,
        )
    ).status_code == 403
    drafts = await api.get("/courses?status=draft", headers=stranger)
    assert draft["id"] not in [c["id"] for c in drafts.json()["items"]]
    own = await api.get("/courses?status=draft", headers=alliance.admin)
    assert draft["id"] in [c["id"] for c in own.json()["items"]]
