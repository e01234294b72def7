"""Freed places go to the waiting list in order, as offers that expire and pass on.

Offer expiry runs on a ``shared.workers.Worker``; it reads only the database, so it catches up
after a restart. Each course is locked with SKIP LOCKED: a course someone else holds now is
looked at again on the next round.
"""

from uuid import UUID

from services.bookings import repository as repo
from services.bookings.domain.course import Course
from services.bookings.usecases.access import (
    check_sees_booking,
    is_admin_of,
    is_participant_of,
    is_school_lead_of,
)
from services.bookings.usecases.context import BookingsContext
from services.bookings.usecases.read_models import BookingView, booking_view
from services.bookings.usecases.unit_of_work import UnitOfWork, unit_of_work
from shared.errors import Forbidden
from shared.identity import Principal
from shared.workers import Worker

EXPIRY_BATCH = 100


async def fill_places(uow: UnitOfWork, course: Course) -> None:
    """Offer every free place to the first waiting bookings; the course is locked."""
    now = uow.ctx.clock.now()
    wanted = course.places_to_offer(now)
    if wanted:
        course.offer(await repo.first_waiting(uow.session, course.id, wanted), now)


async def accept_offer(ctx: BookingsContext, principal: Principal, booking_id: UUID) -> BookingView:
    async with unit_of_work(ctx) as uow:
        course, booking = await uow.course_and_booking(booking_id)
        check_sees_booking(principal, course.alliance_id, booking)
        if not (
            is_participant_of(principal, booking.participant.email)
            or is_school_lead_of(principal, booking.school_urn)
            or is_admin_of(principal, course.alliance_id)
        ):
            raise Forbidden("this offer is not yours to accept")
        course.accept_offer(booking, ctx.clock.now())
        rows = await uow.save(course)
        return booking_view(ctx, rows[booking.id])


async def decline_offer(
    ctx: BookingsContext, principal: Principal, booking_id: UUID
) -> BookingView:
    """The participant or their school turns the offered place down; it goes to the next in
    the queue at once."""
    async with unit_of_work(ctx) as uow:
        course, booking = await uow.course_and_booking(booking_id)
        check_sees_booking(principal, course.alliance_id, booking)
        if not (
            is_participant_of(principal, booking.participant.email)
            or is_school_lead_of(principal, booking.school_urn)
            or is_admin_of(principal, course.alliance_id)
        ):
            raise Forbidden("this offer is not yours to decline")
        course.decline_offer(booking)
        await fill_places(uow, course)
        rows = await uow.save(course)
        return booking_view(ctx, rows[booking.id])


async def expire_offers_on(ctx: BookingsContext, course_id: UUID) -> int:
    """Expire this course's overdue offers and pass the places on; 0 if someone else holds it."""
    async with unit_of_work(ctx) as uow:
        course = await uow.course(course_id, skip_locked=True)
        if course is None:
            return 0
        due = await repo.due_offers(uow.session, course_id, ctx.clock.now())
        for booking in due:
            course.expire_offer(booking)
        if due:
            await fill_places(uow, course)
            await uow.save(course)
        return len(due)


async def expire_due_offers(ctx: BookingsContext) -> bool:
    """One round of the expiry worker; True when a full batch suggests more is due."""
    async with ctx.runtime.sessions() as session:
        course_ids = await repo.courses_with_due_offers(session, ctx.clock.now(), EXPIRY_BATCH)
    for course_id in course_ids:
        await expire_offers_on(ctx, course_id)
    return len(course_ids) == EXPIRY_BATCH


def offer_expiry_worker(ctx: BookingsContext) -> Worker:
    return Worker(
        "offer-expiry",
        lambda: expire_due_offers(ctx),
        interval_s=ctx.config.offer_expiry_interval_s,
    )
