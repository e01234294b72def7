"""Declining an offered place, and the fee of an administrator's cancellation in its event."""

from datetime import timedelta

import pytest

from services.bookings.usecases import cancellation, offers, queries
from services.bookings.usecases.context import BookingsContext
from shared.errors import Conflict, NotFound
from tests.bookings.course_scene import (
    ADMIN,
    book,
    ctx,  # noqa: F401  (the fixtures)
    events_named,
    fresh_clock,  # noqa: F401
    lead_of,
    member_school,
    participant,
    published_course,
)


async def test_a_declined_offer_passes_the_place_to_the_next_in_the_queue(
    ctx: BookingsContext,  # noqa: F811
) -> None:
    course_id = await published_course(ctx, capacity=1)
    urn = await member_school(ctx)
    first = await book(ctx, course_id, urn)
    second = await book(ctx, course_id, urn)
    third = await book(ctx, course_id, urn)
    await cancellation.cancel(ctx, lead_of(urn), first.id)
    assert (await queries.get_booking(ctx, ADMIN, second.id)).status == "offered"

    me = participant(urn, second.participant.email)
    declined = await offers.decline_offer(ctx, me, second.id)

    assert declined.status == "offer_declined"
    assert (await queries.get_booking(ctx, ADMIN, third.id)).status == "offered"
    [event] = await events_named(ctx, course_id, "offer_declined")
    assert event["booking"]["booking_id"] == str(second.id)
    with pytest.raises(Conflict):
        await offers.decline_offer(ctx, me, second.id)
    with pytest.raises(Conflict):
        await offers.accept_offer(ctx, me, second.id)


async def test_only_an_offered_place_can_be_declined_and_only_by_its_people(
    ctx: BookingsContext,  # noqa: F811
) -> None:
    course_id = await published_course(ctx, capacity=1)
    urn, other = await member_school(ctx), await member_school(ctx)
    confirmed = await book(ctx, course_id, urn)
    with pytest.raises(Conflict):
        await offers.decline_offer(ctx, lead_of(urn), confirmed.id)
    with pytest.raises(NotFound):
        await offers.decline_offer(ctx, lead_of(other), confirmed.id)


async def test_an_administrator_cancelling_one_booking_announces_the_fee_charged(
    ctx: BookingsContext,  # noqa: F811
) -> None:
    course_id = await published_course(ctx, member_price_pence=10_000)
    urn = await member_school(ctx)
    booking = await book(ctx, course_id, urn)
    ctx.clock.offset = timedelta(days=59)  # type: ignore[attr-defined]

    cancelled = await cancellation.cancel(ctx, ADMIN, booking.id, reason="Did not come")

    assert cancelled.fee_pence == 10_000
    [event] = await events_named(ctx, course_id, "booking_cancelled")
    assert (event["cancelled_by"], event["fee_pence"]) == ("alliance", 10_000)
    assert event["course_cancelled"] is False
