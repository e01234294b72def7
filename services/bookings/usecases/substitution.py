"""Substitution: another participant takes a live place, free of charge."""

from uuid import UUID

from services.bookings import repository as repo
from services.bookings.domain.events import Person
from services.bookings.usecases.access import check_sees_booking, is_admin_of, is_school_lead_of
from services.bookings.usecases.context import BookingsContext
from services.bookings.usecases.inputs import Participant
from services.bookings.usecases.read_models import BookingView, booking_view
from services.bookings.usecases.unit_of_work import unit_of_work
from shared.errors import Conflict, Forbidden
from shared.identity import Principal


async def substitute(
    ctx: BookingsContext, principal: Principal, booking_id: UUID, participant: Participant
) -> BookingView:
    async with unit_of_work(ctx) as uow:
        course, booking = await uow.course_and_booking(booking_id)
        check_sees_booking(principal, course.alliance_id, booking)
        if not (
            is_admin_of(principal, course.alliance_id)
            or is_school_lead_of(principal, booking.school_urn)
        ):
            raise Forbidden("a place is substituted by the school's lead or an administrator")
        substitute = Person(participant.name, participant.email, participant.role)
        if substitute.email != booking.participant.email.lower():
            taken = await repo.live_booking_for(uow.session, course.id, substitute.email)
            if taken is not None:
                raise Conflict("the substitute already holds a live booking on this course")
        course.substitute(booking, substitute)
        rows = await uow.save(course)
        return booking_view(ctx, rows[booking.id])
