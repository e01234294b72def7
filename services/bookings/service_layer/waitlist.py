"""Freed places go to the waiting list in order, as offers that expire and pass on."""

import asyncio
import logging
from datetime import timedelta
from uuid import UUID

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from services.bookings import repository as repo
from services.bookings.context import BookingsContext
from services.bookings.domain.model import BookingStatus, places_to_offer
from services.bookings.events import booking_info, course_info
from shared.contracts.bookings import OfferExpired, PlaceOffered

log = logging.getLogger(__name__)


async def fill_places(ctx: BookingsContext, session: AsyncSession, course: Row) -> int:
    """Offer every free place to the first waiting bookings; call under the course lock."""
    now = ctx.clock.now()
    if now >= course.starts_at:
        return 0
    held, waiting = await repo.counts(session, course.id)
    wanted = places_to_offer(course.capacity, held, waiting)
    if wanted == 0:
        return 0
    expires = now + timedelta(hours=course.offer_hold_hours)
    for booking_id in await repo.first_waiting(session, course.id, wanted):
        await repo.update_booking(
            session,
            booking_id,
            {"status": BookingStatus.OFFERED.value, "offer_expires_at": expires},
        )
        booking = await repo.get_booking(session, booking_id)
        assert booking is not None
        await ctx.runtime.outbox.add(
            session,
            PlaceOffered(
                course=course_info(ctx, course),
                booking=booking_info(ctx, booking),
                offer_expires_at=expires,
            ),
        )
    return wanted


async def expire_offers_on(ctx: BookingsContext, course_id: UUID) -> int:
    """Expire this course's overdue offers and pass the places on; 0 if someone else holds it."""
    async with ctx.runtime.transaction() as session:
        course = await repo.lock_course(session, course_id, skip_locked=True)
        if course is None:
            return 0
        due = await repo.due_offers(session, course_id, ctx.clock.now())
        for booking_id in due:
            await repo.update_booking(
                session,
                booking_id,
                {
                    "status": BookingStatus.OFFER_EXPIRED.value,
                    "status_reason": "offer not accepted",
                },
            )
            booking = await repo.get_booking(session, booking_id)
            assert booking is not None
            await ctx.runtime.outbox.add(
                session,
                OfferExpired(course=course_info(ctx, course), booking=booking_info(ctx, booking)),
            )
        if due:
            await fill_places(ctx, session, course)
        return len(due)


async def expire_due_offers(ctx: BookingsContext, batch: int = 100) -> int:
    async with ctx.runtime.sessions() as session:
        course_ids = await repo.courses_with_due_offers(session, ctx.clock.now(), batch)
    expired = 0
    for course_id in course_ids:
        expired += await expire_offers_on(ctx, course_id)
    return expired


async def run_offer_expiry(ctx: BookingsContext) -> None:
    """The periodic job: reads due offers from the database, so it resumes after a restart."""
    interval = ctx.config.offer_expiry_interval_s
    while True:
        try:
            await expire_due_offers(ctx)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("offer expiry failed; retrying")
        await asyncio.sleep(interval)
