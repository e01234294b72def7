"""/metrics on each service moves with what happens: a booking, its outbox row, its emails."""

import secrets

from services.notifications.domain.messages import DeliveryError
from shared.contracts.bookings import BookingConfirmed
from tests.e2e.test_emails import BookingsWorld, mail_for
from tests.observe.conftest import Observed
from tests.support.wait import eventually

BOOK_ROUTE = "/courses/{course_id}/bookings"


async def test_a_booking_moves_bookings_http_and_notifications_counters(
    observed: Observed,
) -> None:
    run = secrets.token_hex(4)
    world = BookingsWorld(observed, run)  # type: ignore[arg-type]
    school = await world.school(1)
    course = await world.course("Metrics for maths leads")
    confirmed = await observed.value("bookings", "alliance_bookings_total", outcome="confirmed")
    posted = await observed.value(
        "bookings", "alliance_http_requests_total", route=BOOK_ROUTE, status="201"
    )
    timed = await observed.value(
        "bookings", "alliance_http_request_duration_seconds_count", route=BOOK_ROUTE
    )
    sent = await observed.value("notifications", "alliance_notifications_total", status="sent")
    processed = await observed.value(
        "notifications",
        "alliance_events_processed_total",
        group="notifications",
        type=BookingConfirmed.event_type,
    )

    await world.book(course, school, f"sam@{run}.example.org")

    assert (
        await observed.value("bookings", "alliance_bookings_total", outcome="confirmed")
        == confirmed + 1
    )
    assert (
        await observed.value(
            "bookings", "alliance_http_requests_total", route=BOOK_ROUTE, status="201"
        )
        == posted + 1
    )
    assert (
        await observed.value(
            "bookings", "alliance_http_request_duration_seconds_count", route=BOOK_ROUTE
        )
        == timed + 1
    )
    await mail_for(observed, run, 2)  # type: ignore[arg-type]

    async def moved() -> tuple[float, float]:
        return (
            await observed.value("notifications", "alliance_notifications_total", status="sent"),
            await observed.value(
                "notifications",
                "alliance_events_processed_total",
                group="notifications",
                type=BookingConfirmed.event_type,
            ),
        )

    await eventually(moved, lambda v: v == (sent + 2, processed + 1), timeout=30)


async def test_a_refused_booking_is_counted_as_refused(observed: Observed) -> None:
    run = secrets.token_hex(4)
    world = BookingsWorld(observed, run)  # type: ignore[arg-type]
    school = await world.school(1)
    course = await world.course("Counting refusals")
    participant = f"sam@{run}.example.org"
    await world.book(course, school, participant)
    refused = await observed.value("bookings", "alliance_bookings_total", outcome="refused")
    again = await observed.bookings.post(
        f"/courses/{course}/bookings",
        json={
            "school_urn": school["urn"],
            "participant": {"name": "Sam Teacher", "email": participant, "role": "Teacher"},
        },
        headers={**school["auth"], "Idempotency-Key": secrets.token_hex(8)},
    )
    assert again.status_code == 409, again.text
    assert (
        await observed.value("bookings", "alliance_bookings_total", outcome="refused")
        == refused + 1
    )


async def test_the_outbox_gauges_show_rows_the_relay_has_not_published(
    observed: Observed,
) -> None:
    relay = observed.apps["bookings"].state.runtime.relay
    run = secrets.token_hex(4)
    world = BookingsWorld(observed, run)  # type: ignore[arg-type]
    school = await world.school(1)
    await relay.stop()
    try:
        await world.course("Held in the outbox")
        assert await observed.value("bookings", "alliance_outbox_pending") >= 1
        assert await observed.value("bookings", "alliance_outbox_oldest_age_seconds") > 0
    finally:
        relay.start()
    assert school["urn"]

    async def backlog() -> tuple[float, float]:
        return (
            await observed.value("bookings", "alliance_outbox_pending"),
            await observed.value("bookings", "alliance_outbox_oldest_age_seconds"),
        )

    await eventually(backlog, lambda v: v == (0, 0), timeout=20)


async def test_a_path_no_route_takes_is_labelled_unmatched_not_by_its_path(
    observed: Observed,
) -> None:
    before = await observed.value(
        "brokerage", "alliance_http_requests_total", route="unmatched", status="404"
    )
    response = await observed.clients["brokerage"].get(f"/no-such-{secrets.token_hex(4)}")
    assert response.status_code == 404
    metrics = await observed.metrics("brokerage")
    routes = {labels["route"] for labels, _ in metrics["alliance_http_requests_total"]}
    assert not any(route.startswith("/no-such-") for route in routes)
    assert (
        await observed.value(
            "brokerage", "alliance_http_requests_total", route="unmatched", status="404"
        )
        == before + 1
    )


async def test_pool_and_consumer_lag_gauges(observed: Observed) -> None:
    assert await observed.value("bookings", "alliance_db_pool_size") == 20
    assert "alliance_db_pool_checked_out" in await observed.metrics("notifications")

    async def lag() -> list[tuple[dict[str, str], float]]:
        return (await observed.metrics("notifications")).get("alliance_consumer_lag", [])

    partitions = await eventually(lag, lambda found: len(found) == 18, timeout=30)
    assert {labels["topic"] for labels, _ in partitions} == {
        "bookings.events.v1",
        "brokerage.events.v1",
        "privacy.events.v1",
        "finance.events.v1",
    }
    await eventually(lag, lambda found: all(v == 0 for _, v in found), timeout=30)


class Refusing:
    async def send(self, outgoing, accepted=None):  # type: ignore[no-untyped-def]
        raise DeliveryError("SMTP 550: no such mailbox", permanent=True)


async def test_smtp_failures_and_failed_notifications_are_counted(observed: Observed) -> None:
    dispatch = observed.apps["notifications"].state.dispatch
    run = secrets.token_hex(4)
    world = BookingsWorld(observed, run)  # type: ignore[arg-type]
    school = await world.school(1)
    course = await world.course("Mail that bounces")
    before = (
        await observed.value("notifications", "alliance_smtp_failures_total", kind="permanent"),
        await observed.value("notifications", "alliance_notifications_total", status="failed"),
        await observed.value("notifications", "alliance_notifications_failed"),
    )
    working, dispatch.mailer = dispatch.mailer, Refusing()
    try:
        await world.book(course, school, f"sam@{run}.example.org")

        async def counted() -> tuple[float, float, float]:
            return (
                await observed.value(
                    "notifications", "alliance_smtp_failures_total", kind="permanent"
                ),
                await observed.value(
                    "notifications", "alliance_notifications_total", status="failed"
                ),
                await observed.value("notifications", "alliance_notifications_failed"),
            )

        await eventually(counted, lambda v: v == tuple(b + 2 for b in before), timeout=30)
    finally:
        dispatch.mailer = working
