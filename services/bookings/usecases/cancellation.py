"""Cancelling a booking: by the participant, the school's lead or the course's administrators,
with the fee the course's policy gives (an administrator may waive it); a freed place goes to
the waiting list."""

from uuid import UUID

from services.bookings.usecases.access import check_sees_booking, is_admin_of, is_school_lead_of
from services.bookings.usecases.context import BookingsContext
from services.bookings.usecases.offers import fill_places
from services.bookings.usecases.read_models import BookingView, booking_view
from services.bookings.usecases.unit_of_work import unit_of_work
from shared.errors import Forbidden
from shared.identity import Principal


async def cancel(
    ctx: BookingsContext,
    principal: Principal,
    booking_id: UUID,
    *,
    reason: str | None = None,
    waive_fee: bool = False,
) -> BookingView:
    async with unit_of_work(ctx) as uow:
        course, booking = await uow.course_and_booking(booking_id)
        check_sees_booking(principal, course.alliance_id, booking)
        admin = is_admin_of(principal, course.alliance_id)
        if waive_fee and not admin:
            raise Forbidden("only the course's alliance administrators can waive a fee")
        freed = course.cancel_booking(
            booking,
            by_admin=admin,
            by_school_lead=is_school_lead_of(principal, booking.school_urn),
            waive_fee=waive_fee,
            reason=reason,
            now=ctx.clock.now(),
        )
        if freed:
            await fill_places(uow, course)
        rows = await uow.save(course)
        return booking_view(ctx, rows[booking.id])
