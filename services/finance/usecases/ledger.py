"""The consumer's use case: a money fact arrives from bookings or brokerage and becomes ledger
entries, in the consumer's transaction (the inbox makes a redelivered event a no-op, and the
entries' unique key backs it up)."""

from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from services.finance import repository as repo
from services.finance.domain.ledger import entries_for
from shared.contracts import bookings as b
from shared.contracts import brokerage as r
from shared.contracts.base import EventData
from shared.contracts.envelope import CloudEvent

LONDON = ZoneInfo("Europe/London")


async def record(session: AsyncSession, event: CloudEvent, data: EventData) -> None:
    """Two round trips: learn the school(s) (and read what a booking's place holds), then
    write the entries. One for a place confirmed: its charge is written unless the place holds
    something already."""
    on = event.time.astimezone(LONDON).date()
    if isinstance(data, r.DeploymentSettled):
        request, home = data.request, data.sle.home_school
        await repo.learn_schools(
            session,
            [
                repo.school_values(request.alliance_id, s.urn, s.name, None)
                for s in (request.school, home)
            ],
        )
        await repo.add_entries(session, event.id, entries_for(data, data.settled_on))
        return
    booking: b.BookingInfo = data.booking  # type: ignore[attr-defined]
    course: b.CourseInfo = data.course  # type: ignore[attr-defined]
    lead = booking.cpd_lead.email.lower() if booking.cpd_lead else None
    school = repo.school_values(course.alliance_id, booking.school.urn, booking.school.name, lead)
    if isinstance(data, b.BookingConfirmed | b.OfferAccepted):
        charges = entries_for(data, on, place_charged=0)  # what a place holding nothing gets
        if charges:
            (charge,) = charges
            await repo.learn_school_and_charge_place(session, school, event.id, charge)
        else:
            await repo.learn_school(session, **school)
        return
    held = await repo.learn_school_and_place_charged(session, school, booking.booking_id)
    await repo.add_entries(session, event.id, entries_for(data, on, held))
