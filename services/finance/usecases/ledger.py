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
    on = event.time.astimezone(LONDON).date()
    if isinstance(data, r.DeploymentSettled):
        on = data.settled_on
        request, home = data.request, data.sle.home_school
        await repo.learn_school(
            session, request.alliance_id, request.school.urn, request.school.name, None
        )
        await repo.learn_school(session, request.alliance_id, home.urn, home.name, None)
        await repo.add_entries(session, event.id, entries_for(data, on))
        return
    booking: b.BookingInfo = data.booking  # type: ignore[attr-defined]
    course: b.CourseInfo = data.course  # type: ignore[attr-defined]
    lead = booking.cpd_lead.email.lower() if booking.cpd_lead else None
    await repo.learn_school(
        session, course.alliance_id, booking.school.urn, booking.school.name, lead
    )
    held = await repo.place_charged(session, booking.booking_id)
    await repo.add_entries(session, event.id, entries_for(data, on, held))
