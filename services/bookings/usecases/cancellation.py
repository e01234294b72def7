"""Cancelling a booking: by the participant, the school's lead or the course's administrators,
with the fee the course's policy gives (an administrator may waive it); a freed place goes to
the waiting list."""

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel

from services.bookings.usecases.access import check_sees_booking, is_admin_of, is_school_lead_of
from services.bookings.usecases.context import BookingsContext
from services.bookings.usecases.offers import fill_places
from services.bookings.usecases.queries import get_booking
from services.bookings.usecases.read_models import BookingView, booking_view
from services.bookings.usecases.unit_of_work import unit_of_work
from shared.errors import Conflict, Forbidden
from shared.identity import Principal


class CancellationQuote(BaseModel):
    """What cancelling a booking now would cost, to show before the person confirms."""

    booking: BookingView
    fee_pence: int
    working_days_notice: int
    course_starts_at: datetime
    may_waive_fee: bool


async def quote(ctx: BookingsContext, principal: Principal, booking_id: UUID) -> CancellationQuote:
    """The fee cancelling would charge now; refused (409) as cancelling would be."""
    async with unit_of_work(ctx) as uow:
        course, booking = await uow.course_and_booking(booking_id)
        check_sees_booking(principal, course.alliance_id, booking)
        fee, notice = course.cancellation_fee(booking, ctx.clock.now())
    return CancellationQuote(
        booking=await get_booking(ctx, principal, booking_id),
        fee_pence=fee,
        working_days_notice=notice,
        course_starts_at=course.starts_at,
        may_waive_fee=is_admin_of(principal, course.alliance_id),
    )


async def cancel(
    ctx: BookingsContext,
    principal: Principal,
    booking_id: UUID,
    *,
    reason: str | None = None,
    waive_fee: bool = False,
    expected_fee_pence: int | None = None,
) -> BookingView:
    """``expected_fee_pence``: the fee the person was shown; if it is no longer the fee (the
    notice crossed into another band meanwhile), nothing is cancelled."""
    async with unit_of_work(ctx) as uow:
        course, booking = await uow.course_and_booking(booking_id)
        check_sees_booking(principal, course.alliance_id, booking)
        admin = is_admin_of(principal, course.alliance_id)
        if waive_fee and not admin:
            raise Forbidden("only the course's alliance administrators can waive a fee")
        if expected_fee_pence is not None:
            fee, _ = course.cancellation_fee(booking, ctx.clock.now(), waive_fee=waive_fee)
            if fee != expected_fee_pence:
                raise Conflict(
                    "the cancellation fee has changed since it was shown: check it again",
                    fee_pence=fee,
                )
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
