"""Running a course through its use cases on PostgreSQL alone (no broker): a course, schools,
bookings, and what each step wrote to the outbox."""

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from sqlalchemy import select

from services.bookings.config import BookingsSettings
from services.bookings.tables import metadata
from services.bookings.usecases import booking, courses, schools
from services.bookings.usecases.context import BookingsContext
from services.bookings.usecases.inputs import CourseDetails, NewBooking, SchoolDetails
from services.bookings.usecases.read_models import BookingView
from shared.clock import MovableClock
from shared.identity import Principal, Role
from shared.runtime import ServiceRuntime
from tests.bookings.conftest import course_body, new_urn
from tests.support.stack import Stack

ALLIANCE = "course-tsa"
ADMIN = Principal("admin", frozenset({Role.ALLIANCE_ADMIN}), ALLIANCE, email="admin@tsa.example")


@pytest.fixture(scope="module")
async def ctx(stack: Stack) -> AsyncIterator[BookingsContext]:
    url = await stack.migrated_database("bookings", "course")
    settings = stack.settings(
        BookingsSettings, BOOKINGS_DATABASE_URL=url, BOOKINGS_LOCK_TIMEOUT_MS=500
    )
    runtime = ServiceRuntime("bookings", settings, metadata)
    yield BookingsContext(runtime, MovableClock(), settings)
    await runtime.engine.dispose()


@pytest.fixture(autouse=True)
def fresh_clock(ctx: BookingsContext) -> None:
    assert isinstance(ctx.clock, MovableClock)
    ctx.clock.reset()


def lead_of(urn: str) -> Principal:
    return Principal(
        f"lead-{urn}", frozenset({Role.SCHOOL_LEAD}), ALLIANCE, urn, f"lead@{urn}.example.org"
    )


def participant(urn: str, email: str) -> Principal:
    return Principal(f"p-{email}", frozenset({Role.PARTICIPANT}), ALLIANCE, urn, email)


async def published_course(ctx: BookingsContext, **overrides: Any) -> UUID:
    if "sessions" in overrides and "booking_closes_at" not in overrides:
        first = datetime.fromisoformat(overrides["sessions"][0]["starts_at"])
        overrides["booking_closes_at"] = (first - timedelta(days=1)).isoformat()
    draft = await courses.create_course(ctx, ADMIN, CourseDetails(**course_body(**overrides)))
    return (await courses.publish_course(ctx, ADMIN, draft.id)).id


async def member_school(ctx: BookingsContext) -> str:
    urn = new_urn()
    details = SchoolDetails(
        name=f"School {urn}", cpd_lead_name="Pat Lead", cpd_lead_email=f"lead@{urn}.example.org"
    )
    await schools.put_school(ctx, ADMIN, urn, details)
    await schools.add_member(ctx, ADMIN, ALLIANCE, urn)
    return urn


async def book(ctx: BookingsContext, course_id: UUID, urn: str) -> BookingView:
    body = NewBooking.model_validate(
        {
            "school_urn": urn,
            "participant": {"name": "Sam Teacher", "email": f"{uuid4().hex[:8]}@school.example"},
        }
    )
    made = await booking.create_booking(ctx, lead_of(urn), course_id, body, uuid4().hex)
    return made.booking


async def outbox(ctx: BookingsContext, course_id: UUID) -> list[tuple[str, dict[str, Any]]]:
    """(short event name, payload) of every event announced about the course, in order."""
    table = ctx.runtime.outbox_table
    async with ctx.runtime.sessions() as session:
        rows = await session.execute(
            select(table.c.event_type, table.c.payload)
            .where(table.c.key == str(course_id))
            .order_by(table.c.id)
        )
    return [(t.removeprefix("uk.alliance.bookings.").removesuffix(".v1"), p) for t, p in rows]


async def events_named(ctx: BookingsContext, course_id: UUID, name: str) -> list[dict[str, Any]]:
    return [payload for event, payload in await outbox(ctx, course_id) if event == name]
