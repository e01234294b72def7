"""The use cases against PostgreSQL, without Kafka: the runtime is built but never started, so
what a use case announces is read from the outbox rows its transaction wrote."""

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import pytest
from sqlalchemy import event, func, select
from sqlalchemy.exc import DBAPIError

from services.bookings.config import BookingsSettings
from services.bookings.tables import bookings, idempotency_keys, metadata
from services.bookings.usecases import booking, cancellation, courses, offers, schools
from services.bookings.usecases.context import BookingsContext
from services.bookings.usecases.inputs import CourseDetails, NewBooking, SchoolDetails
from shared.clock import MovableClock
from shared.errors import Invalid
from shared.identity import Principal, Role
from shared.runtime import ServiceRuntime
from tests.bookings.conftest import course_body, new_urn
from tests.support.stack import Stack

ALLIANCE = "usecase-tsa"
ADMIN = Principal("admin", frozenset({Role.ALLIANCE_ADMIN}), ALLIANCE, email="admin@tsa.example")
LOCK_TIMEOUT_MS = 300


@pytest.fixture(scope="module")
async def ctx(stack: Stack) -> AsyncIterator[BookingsContext]:
    url = await stack.migrated_database("bookings", "usecases")
    settings = stack.settings(
        BookingsSettings, BOOKINGS_DATABASE_URL=url, BOOKINGS_LOCK_TIMEOUT_MS=LOCK_TIMEOUT_MS
    )
    runtime = ServiceRuntime("bookings", settings, metadata)
    yield BookingsContext(runtime, MovableClock(), settings)
    await runtime.engine.dispose()


def lead_of(urn: str) -> Principal:
    return Principal(
        f"lead-{urn}", frozenset({Role.SCHOOL_LEAD}), ALLIANCE, urn, f"lead@{urn}.example.org"
    )


async def published_course(ctx: BookingsContext, **overrides: Any) -> UUID:
    draft = await courses.create_course(ctx, ADMIN, CourseDetails(**course_body(**overrides)))
    return (await courses.publish_course(ctx, ADMIN, draft.id)).id


async def member_school(ctx: BookingsContext, register: bool = True) -> str:
    urn = new_urn()
    if register:
        details = SchoolDetails(
            name=f"School {urn}", cpd_lead_name="Pat Lead", cpd_lead_email=f"lead@{urn}.example.org"
        )
        await schools.put_school(ctx, ADMIN, urn, details)
        await schools.add_member(ctx, ADMIN, ALLIANCE, urn)
    return urn


def request(urn: str) -> NewBooking:
    return NewBooking.model_validate(
        {
            "school_urn": urn,
            "participant": {"name": "Sam Teacher", "email": f"{uuid4().hex[:8]}@school.example"},
        }
    )


async def outbox(ctx: BookingsContext, course_id: UUID) -> list[tuple[str, dict[str, Any]]]:
    table = ctx.runtime.outbox_table
    async with ctx.runtime.sessions() as session:
        rows = await session.execute(
            select(table.c.event_type, table.c.payload)
            .where(table.c.key == str(course_id))
            .order_by(table.c.id)
        )
    return [(t.removeprefix("uk.alliance.bookings.").removesuffix(".v1"), p) for t, p in rows]


async def count(ctx: BookingsContext, query: Any) -> int:
    async with ctx.runtime.sessions() as session:
        return int(await session.scalar(query) or 0)


async def test_a_booking_and_its_events_are_written_together_and_replayed_once(
    ctx: BookingsContext,
) -> None:
    course_id = await published_course(ctx, capacity=1)
    urn = await member_school(ctx)
    wanted = request(urn)
    made = await booking.create_booking(ctx, lead_of(urn), course_id, wanted, "key-1")
    assert (made.replayed, made.booking.status, made.booking.price_pence) == (
        False,
        "confirmed",
        9_000,
    )
    again = await booking.create_booking(ctx, lead_of(urn), course_id, wanted, "key-1")
    assert again.replayed and again.booking == made.booking
    events = await outbox(ctx, course_id)
    assert [name for name, _ in events] == [
        "course_published",
        "booking_confirmed",
    ]
    confirmed = events[-1][1]["booking"]
    assert confirmed["booking_id"] == str(made.booking.id)
    assert confirmed["cpd_lead"]["email"] == f"lead@{urn}.example.org"
    waiting = await booking.create_booking(ctx, lead_of(urn), course_id, request(urn), "key-2")
    assert waiting.booking.waitlist_position == 1
    name, payload = (await outbox(ctx, course_id))[-1]
    assert (name, payload["position"]) == ("booking_waitlisted", 1)


async def test_a_refused_booking_writes_nothing(ctx: BookingsContext) -> None:
    course_id = await published_course(ctx)
    urn = await member_school(ctx, register=False)
    with pytest.raises(Invalid) as refused:
        await booking.create_booking(ctx, lead_of(urn), course_id, request(urn), "key-x")
    assert refused.value.errors == [{"field": "school_urn", "message": "not registered"}]
    assert await count(ctx, select(func.count()).where(bookings.c.course_id == course_id)) == 0
    assert [name for name, _ in await outbox(ctx, course_id)] == ["course_published"]
    assert await count(ctx, select(func.count()).where(idempotency_keys.c.key == "key-x")) == 0


async def test_a_cancellation_offers_the_place_on_and_an_offer_expires(
    ctx: BookingsContext,
) -> None:
    assert isinstance(ctx.clock, MovableClock)
    course_id = await published_course(ctx, capacity=1, offer_hold_hours=1)
    urn = await member_school(ctx)
    first, second, third = [
        (await booking.create_booking(ctx, lead_of(urn), course_id, request(urn), uuid4().hex))
        for _ in range(3)
    ]
    await cancellation.cancel(ctx, lead_of(urn), first.booking.id, reason="ill")
    tail = await outbox(ctx, course_id)
    assert [name for name, _ in tail[-2:]] == ["booking_cancelled", "place_offered"]
    assert tail[-2][1]["cancelled_by"] == "school" and tail[-2][1]["reason"] == "ill"
    assert tail[-1][1]["booking"]["booking_id"] == str(second.booking.id)
    ctx.clock.advance(timedelta(hours=2))
    try:
        assert await offers.expire_due_offers(ctx) is False
    finally:
        ctx.clock.reset()
    tail = await outbox(ctx, course_id)
    assert [(n, p["booking"]["booking_id"]) for n, p in tail[-2:]] == [
        ("offer_expired", str(second.booking.id)),
        ("place_offered", str(third.booking.id)),
    ]


async def test_a_wait_for_a_held_course_lock_ends_in_an_error_not_a_hang(
    stack: Stack, ctx: BookingsContext
) -> None:
    course_id = await published_course(ctx)
    urn = await member_school(ctx)
    url = ctx.runtime.settings.database_url().replace("+asyncpg", "")
    holder = await asyncpg.connect(url)
    try:
        transaction = holder.transaction()
        await transaction.start()
        await holder.execute("SELECT 1 FROM courses WHERE id = $1 FOR UPDATE", course_id)
        async with asyncio.timeout(30):  # far beyond the lock timeout: a hang fails here
            with pytest.raises(DBAPIError) as waited:
                await booking.create_booking(ctx, lead_of(urn), course_id, request(urn), "k-l")
        assert getattr(waited.value.orig, "sqlstate", None) == "55P03"
        await transaction.rollback()
    finally:
        await holder.close()
    made = await booking.create_booking(ctx, lead_of(urn), course_id, request(urn), "k-l")
    assert made.booking.status == "confirmed" and not made.replayed


async def test_a_booking_takes_at_most_nine_statements(ctx: BookingsContext) -> None:
    """The hot path's round trips: claim the key, lock the course, read what the booking needs,
    advance the queue, insert, re-read, two outbox rows, record the answer (it took 11)."""
    course_id = await published_course(ctx)
    urn = await member_school(ctx)
    statements: list[str] = []

    def seen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement.split()[0])

    engine = ctx.runtime.engine.sync_engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        await booking.create_booking(ctx, lead_of(urn), course_id, request(urn), uuid4().hex)
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert len(statements) <= 9, statements
