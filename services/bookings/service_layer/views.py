"""Stored rows as API bodies."""

from datetime import datetime

from sqlalchemy import Row

from services.bookings.api.schemas import BookingOut, ContactOut, CourseOut, SchoolRefOut
from services.bookings.context import BookingsContext
from services.bookings.domain.model import BookingStatus, CourseStatus


def course_out(ctx: BookingsContext, row: Row, now: datetime) -> CourseOut:
    c = row._mapping
    places_held = int(c.get("places_held") or 0)
    status = CourseStatus(c["status"])
    return CourseOut(
        id=c["id"],
        alliance_id=c["alliance_id"],
        status=status,
        title=c["title"],
        summary=c["summary"],
        strand=c["strand"],
        phases=list(c["phases"]),
        audience=c["audience"],
        facilitator=c["facilitator"],
        sessions=c["sessions"],
        capacity=c["capacity"],
        minimum_viable_numbers=c["minimum_viable_numbers"],
        booking_closes_at=c["booking_closes_at"],
        member_price_pence=c["member_price_pence"],
        non_member_price_pence=c["non_member_price_pence"],
        cancellation_policy=c["cancellation_policy"],
        offer_hold_hours=c["offer_hold_hours"],
        places_left=max(0, c["capacity"] - places_held),
        booking_open=status is CourseStatus.PUBLISHED and now < c["booking_closes_at"],
        cancellation_reason=c["cancellation_reason"],
        url=ctx.course_url(c["id"]),
    )


def booking_out(ctx: BookingsContext, row: Row) -> BookingOut:
    b = row._mapping
    status = BookingStatus(b["status"])
    return BookingOut(
        id=b["id"],
        course_id=b["course_id"],
        course_title=b["course_title"],
        status=status,
        school=SchoolRefOut(urn=b["school_urn"], name=b["school_name"] or b["school_urn"]),
        participant=ContactOut(
            name=b["participant_name"], email=b["participant_email"], role=b["participant_role"]
        ),
        booker=ContactOut(name=b["booker_name"], email=b["booker_email"]),
        access_needs=b["access_needs"],
        price_pence=b["price_pence"],
        waitlist_position=b["position"] if status is BookingStatus.WAITLISTED else None,
        offer_expires_at=b["offer_expires_at"] if status is BookingStatus.OFFERED else None,
        fee_pence=b["fee_pence"],
        cancelled_by=b["cancelled_by"],
        status_reason=b["status_reason"],
        created_at=b["created_at"],
        url=ctx.booking_url(b["id"]),
    )
