"""A school that asks for it approves its staff's bookings: its CPD lead approves (the place is
allocated then: confirmed if one is free, else the end of the waiting list) or declines."""

from uuid import UUID

from services.bookings.usecases.access import check_sees_booking, is_school_lead_of
from services.bookings.usecases.context import BookingsContext
from services.bookings.usecases.read_models import BookingView, booking_view
from services.bookings.usecases.unit_of_work import unit_of_work
from shared.errors import Forbidden
from shared.identity import Principal


async def approve(ctx: BookingsContext, principal: Principal, booking_id: UUID) -> BookingView:
    async with unit_of_work(ctx) as uow:
        course, booking = await uow.course_and_booking(booking_id)
        check_sees_booking(principal, course.alliance_id, booking)
        if not is_school_lead_of(principal, booking.school_urn):
            raise Forbidden("only the school's CPD lead approves its bookings")
        course.approve(booking)
        rows = await uow.save(course)
        return booking_view(ctx, rows[booking.id])


async def decline(
    ctx: BookingsContext, principal: Principal, booking_id: UUID, reason: str | None
) -> BookingView:
    async with unit_of_work(ctx) as uow:
        course, booking = await uow.course_and_booking(booking_id)
        check_sees_booking(principal, course.alliance_id, booking)
        if not is_school_lead_of(principal, booking.school_urn):
            raise Forbidden("only the school's CPD lead declines its bookings")
        course.decline(booking, reason)
        rows = await uow.save(course)
        return booking_view(ctx, rows[booking.id])
