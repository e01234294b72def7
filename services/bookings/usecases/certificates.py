"""Certificates of attendance: a PDF for a booking that attended all or part of its course,
for its participant, their school's CPD lead and the course's administrators, or anyone
holding the signed link the attendance email carries."""

from uuid import UUID

from services.bookings import repository as repo
from services.bookings.certificates import CertificateFacts, render
from services.bookings.domain.model import BookingStatus
from services.bookings.domain.register import hours, session_times
from services.bookings.register_store import booking_sessions
from services.bookings.usecases.access import check_sees_booking
from services.bookings.usecases.context import BookingsContext
from shared.errors import Conflict, NotFound, Unauthenticated
from shared.identity import Principal

CERTIFIED = frozenset({BookingStatus.ATTENDED.value, BookingStatus.PARTLY_ATTENDED.value})


async def certificate(
    ctx: BookingsContext, principal: Principal | None, booking_id: UUID, signature: str | None
) -> bytes:
    signed = ctx.link_signed("certificate", booking_id, signature)
    if principal is None and not signed:
        raise Unauthenticated("sign in, or use the link in the attendance email")
    async with ctx.runtime.sessions() as session:
        booking = await repo.get_booking(session, booking_id)
        if booking is None:
            raise NotFound("no such booking")
        if not signed:
            assert principal is not None
            check_sees_booking(principal, booking.alliance_id, booking)
        course = await repo.get_course(session, booking.course_id)
        present = await booking_sessions(session, booking_id)
    assert course is not None
    if booking.status not in CERTIFIED:
        raise Conflict("a certificate is issued once the booking is recorded as attended")
    times = session_times(list(course.sessions))
    school = booking.school_name or booking.school_urn
    facts = CertificateFacts(
        participant=booking.participant_name,
        school=f"{school} (URN {booking.school_urn})",
        course=course.title,
        alliance=course.alliance_id,
        facilitator=course.facilitator,
        dates=sorted({start.date() for i, (start, _) in enumerate(times) if i in present}),
        hours=hours(times, present),
        sessions_attended=len(present),
        sessions_total=len(times),
        reference=str(booking_id),
        issued_on=booking.updated_at.date(),
    )
    return render(facts)
