"""The scheduler: its rule after downtime (pure), and exactly once under concurrent claimers
(use cases on PostgreSQL, reading the outbox)."""

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from services.bookings.domain.calendar import working_days_notice
from services.bookings.domain.schedule import (
    REMINDER_GRACE,
    ReminderKind,
    working_days_before,
    worth_sending,
)
from services.bookings.tables import reminders
from services.bookings.usecases import cancellation
from services.bookings.usecases.context import BookingsContext
from services.bookings.usecases.reminders import send_due_reminders
from shared.clock import MovableClock
from tests.bookings.course_scene import (
    book,
    ctx,  # noqa: F401  (the fixtures)
    events_named,
    fresh_clock,  # noqa: F401
    lead_of,
    member_school,
    published_course,
)

STARTS = datetime(2027, 3, 11, 9, 30, tzinfo=UTC)


def test_a_course_reminder_is_sent_within_its_grace_and_never_once_the_course_started() -> None:
    due = STARTS - timedelta(days=7)
    assert worth_sending(ReminderKind.COURSE, due, due + REMINDER_GRACE, STARTS)
    assert not worth_sending(ReminderKind.COURSE, due, due + REMINDER_GRACE * 2, STARTS)
    # The viability check and an offer's reminder wait for no grace, only for the course.
    late = STARTS - timedelta(hours=1)
    assert worth_sending(ReminderKind.VIABILITY, due, late, STARTS)
    assert not worth_sending(ReminderKind.VIABILITY, due, STARTS, STARTS)


def test_the_viability_check_leaves_its_notice_in_working_days() -> None:
    for notice in (0, 3, 10):
        check = working_days_before(STARTS, notice)
        assert working_days_notice(check, STARTS) == notice
        assert (check.hour, check.minute) == (9, 0)


async def _drain(ctx: BookingsContext) -> None:  # noqa: F811
    while await send_due_reminders(ctx):
        pass


async def test_two_claimers_send_each_reminder_once(ctx: BookingsContext) -> None:  # noqa: F811
    course_id = await published_course(ctx, reminder_days=[7, 1])
    urn = await member_school(ctx)
    booked = [await book(ctx, course_id, urn) for _ in range(3)]
    clock = ctx.clock
    assert isinstance(clock, MovableClock)
    clock.offset = timedelta(days=53, hours=1)  # the course starts 60 days after creation

    await asyncio.gather(_drain(ctx), _drain(ctx), _drain(ctx))
    await _drain(ctx)

    sent = await events_named(ctx, course_id, "course_reminder")
    assert sorted(e["booking"]["booking_id"] for e in sent) == sorted(str(b.id) for b in booked)
    assert {e["days_before"] for e in sent} == {7}
    async with ctx.runtime.sessions() as session:
        rows = (
            await session.execute(
                select(reminders.c.key, reminders.c.outcome).where(
                    reminders.c.course_id == course_id
                )
            )
        ).all()
    assert sorted(rows) == [
        (f"course:{course_id}:reminder:1", None),
        (f"course:{course_id}:reminder:7", "sent"),
    ]


async def test_an_offer_about_to_expire_is_reminded_once(ctx: BookingsContext) -> None:  # noqa: F811
    course_id = await published_course(ctx, capacity=1, offer_hold_hours=8, reminder_days=[])
    urn = await member_school(ctx)
    first = await book(ctx, course_id, urn)
    second = await book(ctx, course_id, urn)
    await cancellation.cancel(ctx, lead_of(urn), first.id)
    clock = ctx.clock
    assert isinstance(clock, MovableClock)
    clock.offset = timedelta(hours=5, minutes=59)
    await _drain(ctx)
    assert await events_named(ctx, course_id, "offer_expiring") == []
    clock.offset = timedelta(hours=6, minutes=1)
    await _drain(ctx)
    await _drain(ctx)
    [reminded] = await events_named(ctx, course_id, "offer_expiring")
    assert reminded["booking"]["booking_id"] == str(second.id)


async def test_a_course_without_minimum_numbers_plans_no_viability_check(
    ctx: BookingsContext,  # noqa: F811
) -> None:
    course_id = await published_course(ctx, reminder_days=[])
    async with ctx.runtime.sessions() as session:
        keys = (
            await session.scalars(select(reminders.c.key).where(reminders.c.course_id == course_id))
        ).all()
    assert keys == []
