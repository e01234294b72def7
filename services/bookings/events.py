"""Contract events built from stored rows: each carries what notifications needs."""

from typing import Any

from sqlalchemy import Row

from services.bookings.context import BookingsContext
from shared.contracts.bookings import BookingInfo, CourseInfo, SessionInfo
from shared.contracts.common import Contact, SchoolRef


def course_info(ctx: BookingsContext, course: Row | Any) -> CourseInfo:
    c = course._mapping
    return CourseInfo(
        course_id=c["id"],
        alliance_id=c["alliance_id"],
        title=c["title"],
        sessions=[SessionInfo.model_validate(s) for s in c["sessions"]],
        url=ctx.course_url(c["id"]),
    )


def booking_info(ctx: BookingsContext, booking: Row) -> BookingInfo:
    """``booking`` is a row of ``repository.booking_select()``."""
    b = booking._mapping
    cpd_lead = None
    if b["cpd_lead_email"]:
        cpd_lead = Contact(name=b["cpd_lead_name"], email=b["cpd_lead_email"], role="CPD lead")
    return BookingInfo(
        booking_id=b["id"],
        status=b["status"],
        school=SchoolRef(urn=b["school_urn"], name=b["school_name"] or b["school_urn"]),
        participant=Contact(
            name=b["participant_name"], email=b["participant_email"], role=b["participant_role"]
        ),
        booker=Contact(name=b["booker_name"], email=b["booker_email"]),
        cpd_lead=cpd_lead,
        price_pence=b["price_pence"],
        url=ctx.booking_url(b["id"]),
    )
