from datetime import timedelta
from typing import Any

from services.bookings.config import BookingsSettings
from tests.bookings.conftest import Alliance, MovableClock, make_app
from tests.support.apps import running_app
from tests.support.stack import Stack
from tests.support.wait import eventually


async def _get(alliance: Alliance, booking: dict[str, Any]) -> dict[str, Any]:
    answer = await alliance.api.get(f"/bookings/{booking['id']}", headers=alliance.admin)
    assert answer.status_code == 200, answer.text
    return answer.json()


async def test_a_freed_place_is_offered_in_order_and_accepted(alliance: Alliance) -> None:
    course = await alliance.course(capacity=1, offer_hold_hours=24)
    school = await alliance.school()
    first = await school.book(course["id"])
    second = await school.book(course["id"])
    third = await school.book(course["id"])
    assert (second["status"], second["waitlist_position"]) == ("waitlisted", 1)
    assert (third["status"], third["waitlist_position"]) == ("waitlisted", 2)

    await alliance.api.post(f"/bookings/{first['id']}/cancel", headers=school.lead)
    offered = await _get(alliance, second)
    assert offered["status"] == "offered"
    assert offered["offer_expires_at"] is not None
    assert (await _get(alliance, third))["waitlist_position"] == 1
    # The offered place counts against capacity: a newcomer waits.
    assert (await alliance.api.get(f"/courses/{course['id']}")).json()["places_left"] == 0
    assert (await school.book(course["id"]))["status"] == "waitlisted"

    accepted = await alliance.api.post(
        f"/bookings/{second['id']}/accept-offer", headers=school.lead
    )
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["status"] == "confirmed"
    again = await alliance.api.post(f"/bookings/{second['id']}/accept-offer", headers=school.lead)
    assert again.status_code == 409


async def test_an_unaccepted_offer_expires_and_passes_on(
    alliance: Alliance, clock: MovableClock
) -> None:
    course = await alliance.course(capacity=1, offer_hold_hours=48)
    school = await alliance.school()
    first = await school.book(course["id"])
    second = await school.book(course["id"])
    third = await school.book(course["id"])
    await alliance.api.post(f"/bookings/{first['id']}/cancel", headers=school.lead)
    assert (await _get(alliance, second))["status"] == "offered"

    clock.offset = timedelta(hours=47)
    assert (await _get(alliance, second))["status"] == "offered"
    clock.offset = timedelta(hours=48, minutes=1)
    await eventually(lambda: _get(alliance, second), lambda b: b["status"] == "offer_expired")
    passed_on = await _get(alliance, third)
    assert passed_on["status"] == "offered"
    late = await alliance.api.post(f"/bookings/{second['id']}/accept-offer", headers=school.lead)
    assert late.status_code == 409

    clock.offset = timedelta(hours=96, minutes=2)
    await eventually(lambda: _get(alliance, third), lambda b: b["status"] == "offer_expired")
    course_now = await alliance.api.get(f"/courses/{course['id']}")
    assert course_now.json()["places_left"] == 1


async def test_more_capacity_offers_places_to_the_waiting_list(alliance: Alliance) -> None:
    course = await alliance.course(capacity=1)
    school = await alliance.school()
    await school.book(course["id"])
    waiting = [await school.book(course["id"]) for _ in range(3)]
    changed = await alliance.api.patch(
        f"/courses/{course['id']}", json={"capacity": 3}, headers=alliance.admin
    )
    assert changed.status_code == 200, changed.text
    statuses = [(await _get(alliance, b))["status"] for b in waiting]
    assert statuses == ["offered", "offered", "waitlisted"]
    shrink = await alliance.api.patch(
        f"/courses/{course['id']}", json={"capacity": 2}, headers=alliance.admin
    )
    assert shrink.status_code == 409


async def test_offers_expire_after_a_restart(stack: Stack, clock: MovableClock) -> None:
    settings = stack.settings(
        BookingsSettings, BOOKINGS_DATABASE_URL=await stack.migrated_database("bookings", "restart")
    )
    async with running_app(make_app, settings) as (_, api):
        alliance = Alliance(stack, api, "restart-tsa")
        course = await alliance.course(capacity=1, offer_hold_hours=2)
        school = await alliance.school()
        first = await school.book(course["id"])
        second = await school.book(course["id"])
        third = await school.book(course["id"])
        await api.post(f"/bookings/{first['id']}/cancel", headers=school.lead)
        assert (await _get(alliance, second))["status"] == "offered"

    clock.offset = timedelta(hours=3)  # the offer runs out while the service is down

    async with running_app(make_app, settings) as (_, api):
        alliance = Alliance(stack, api, "restart-tsa")
        await eventually(lambda: _get(alliance, second), lambda b: b["status"] == "offer_expired")
        assert (await _get(alliance, third))["status"] == "offered"


async def test_cancelling_a_course_cancels_every_live_booking_without_fee(
    alliance: Alliance,
) -> None:
    course = await alliance.course(capacity=1)
    school = await alliance.school()
    booked = [await school.book(course["id"]) for _ in range(3)]
    cancelled = await alliance.api.post(
        f"/courses/{course['id']}/cancel", json={"reason": "Venue closed"}, headers=alliance.admin
    )
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "cancelled"
    for booking in booked:
        now = await _get(alliance, booking)
        assert (now["status"], now["cancelled_by"], now["fee_pence"]) == (
            "cancelled",
            "alliance",
            0,
        )
    listed = await alliance.api.get("/courses", params={"alliance": alliance.alliance_id})
    assert listed.json()["total"] == 0


async def test_demo_data_loads_once(stack: Stack) -> None:
    from services.bookings.demo import load_demo_data

    settings = stack.settings(
        BookingsSettings, BOOKINGS_DATABASE_URL=await stack.migrated_database("bookings", "demo")
    )
    async with running_app(make_app, settings) as (app, api):
        await load_demo_data(app.state.runtime)
        await load_demo_data(app.state.runtime)
        catalogue = (await api.get("/courses")).json()
        assert catalogue["total"] == 5
        assert {c["alliance_id"] for c in catalogue["items"]} == {"odyssey-tsa", "forest-way-tsa"}
