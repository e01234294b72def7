"""The bookings statements whose filter names a partial index's statuses can use that index in
their generic plan (the statuses are written into the SQL, not bound)."""

from datetime import UTC, datetime
from uuid import uuid4

from services.bookings.booking_context import BOOKINGS_CONTEXT
from services.bookings.repository import COURSES_WITH_DUE_OFFERS
from tests.support.plans import generic_plan
from tests.support.stack import Stack


async def test_the_booking_context_finds_a_live_booking_by_its_unique_index(stack: Stack) -> None:
    url = await stack.migrated_database("bookings", "plans")
    course = uuid4()
    values = {
        "courses": [course],
        "course_ids": [course],
        "alliance_ids": ["a"],
        "urns": ["100000"],
    }
    plan = await generic_plan(
        url, BOOKINGS_CONTEXT.statement, **values, emails=["a@b.c"], scopes=["s"], keys=["k"]
    )
    assert "uq_bookings_live_participant" in plan, plan


async def test_due_offers_are_found_by_their_partial_index(stack: Stack) -> None:
    url = await stack.migrated_database("bookings", "plans")
    plan = await generic_plan(url, COURSES_WITH_DUE_OFFERS, now=datetime.now(UTC), limit=10)
    assert "ix_bookings_offers_due" in plan, plan
