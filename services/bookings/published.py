"""Domain events as the versioned contracts of ``bookings.events.v1`` (shared/contracts).

Each contract carries what notifications needs, so a booking's part is built from its stored
row (with its school and CPD lead) as it stands once the change is written.
"""

from functools import lru_cache
from typing import Any, Literal, Protocol
from uuid import UUID

from sqlalchemy import Row

from services.bookings.domain import events as ev
from services.bookings.domain.course import Course
from shared.contracts import bookings as contracts
from shared.contracts.base import EventData
from shared.contracts.bookings import BookingInfo, CourseInfo, SessionInfo
from shared.contracts.common import Contact, SchoolRef


class Links(Protocol):
    def course_url(self, course_id: UUID) -> str: ...

    def booking_url(self, booking_id: UUID) -> str: ...

    def certificate_url(self, booking_id: UUID) -> str: ...

    def evaluation_url(self, booking_id: UUID) -> str: ...


@lru_cache(maxsize=4096)
def contact(name: str, email: str, role: str | None = None) -> Contact:
    """A contract's contact, its address validated once per distinct person: contacts are
    frozen, so one instance serves every event (and every booking) that names them."""
    return Contact(name=name, email=email, role=role)


def course_info(links: Links, course: Course) -> CourseInfo:
    return CourseInfo(
        course_id=course.id,
        alliance_id=course.alliance_id,
        title=course.title,
        sessions=[SessionInfo.model_validate(s) for s in course.sessions],
        url=links.course_url(course.id),
        facilitator=course.facilitator or None,
    )


def booking_info(links: Links, booking: Row) -> BookingInfo:
    """``booking`` is a row of ``repository.booking_select()``."""
    b = booking._mapping
    cpd_lead = None
    if b["cpd_lead_email"]:
        cpd_lead = contact(b["cpd_lead_name"], b["cpd_lead_email"], "CPD lead")
    return BookingInfo(
        booking_id=b["id"],
        status=b["status"],
        school=SchoolRef(urn=b["school_urn"], name=b["school_name"] or b["school_urn"]),
        participant=contact(b["participant_name"], b["participant_email"], b["participant_role"]),
        booker=contact(b["booker_name"], b["booker_email"]),
        cpd_lead=cpd_lead,
        price_pence=b["price_pence"],
        url=links.booking_url(b["id"]),
        price_band=price_band(b),
    )


def price_band(b: Any) -> Literal["member", "non_member"] | None:
    """Which of the course's prices the booking pays (None if the course's prices have since
    changed and it pays neither); the member price when both are the same."""
    price = b.get("price_pence")
    if price is not None and price == b.get("member_price_pence"):
        return "member"
    if price is not None and price == b.get("non_member_price_pence"):
        return "non_member"
    return None


_SIMPLE: dict[type[ev.BookingEvent], type[EventData]] = {
    ev.AwaitingApproval: contracts.BookingAwaitingApproval,
    ev.Approved: contracts.BookingApproved,
    ev.Confirmed: contracts.BookingConfirmed,
    ev.OfferAccepted: contracts.OfferAccepted,
    ev.OfferExpired: contracts.OfferExpired,
    ev.OfferDeclined: contracts.OfferDeclined,
}


def contract(
    links: Links,
    event: ev.DomainEvent,
    course: CourseInfo,
    rows: dict[UUID, Row],
    administrator: Contact | None = None,
) -> EventData:
    """The published form of ``event``; ``rows`` holds the touched bookings, re-read by id;
    ``administrator`` is the course's administrator (told the numbers)."""
    match event:
        case ev.CoursePublished(capacity=capacity):
            return contracts.CoursePublished(course=course, capacity=capacity)
        case ev.CourseChanged(changed_fields=fields):
            return contracts.CourseChanged(course=course, changed_fields=list(fields))
        case ev.CourseCancelled(reason=reason, bookings_cancelled=n, administrator_email=email):
            admin = None
            if email:
                admin = contact("Alliance administrator", email, "alliance_admin")
            return contracts.CourseCancelled(
                course=course,
                reason=reason,
                bookings_cancelled=n,
                administrator=admin,
                low_numbers=event.low_numbers,
            )
        case ev.RegisterTaken():
            return contracts.RegisterTaken(
                course=course,
                session_index=event.session_index,
                attended=event.attended,
                absent=event.absent,
            )
        case ev.CourseCompleted():
            return contracts.CourseCompleted(
                course=course,
                attended=event.attended,
                partly_attended=event.partly_attended,
                no_shows=event.no_shows,
            )
        case ev.ViabilityChecked():
            return contracts.ViabilityChecked(
                course=course,
                places_held=event.places_held,
                minimum_viable_numbers=event.minimum_viable_numbers,
                viable=event.viable,
                working_days_notice=event.working_days_notice,
                administrator=administrator,
            )
    assert isinstance(event, ev.BookingEvent), event
    row = rows[event.booking_id]
    booking = booking_info(links, row)
    match event:
        case ev.Waitlisted():
            return contracts.BookingWaitlisted(
                course=course, booking=booking, position=row.position
            )
        case ev.Declined(reason=reason):
            return contracts.BookingDeclined(course=course, booking=booking, reason=reason)
        case ev.PlaceOffered(expires_at=expires):
            return contracts.PlaceOffered(course=course, booking=booking, offer_expires_at=expires)
        case ev.Cancelled():
            return contracts.BookingCancelled(
                course=course,
                booking=booking,
                cancelled_by=event.by,  # type: ignore[arg-type]
                fee_pence=event.fee_pence,
                working_days_notice=event.working_days_notice,
                reason=event.reason,
                course_cancelled=event.course_cancelled,
            )
        case ev.Substituted(previous=previous):
            return contracts.BookingSubstituted(
                course=course,
                booking=booking,
                previous_participant=Contact(
                    name=previous.name, email=previous.email, role=previous.role
                ),
            )
    return _running(links, event, course, booking) or _SIMPLE[type(event)](
        course=course, booking=booking
    )


def _running(
    links: Links, event: ev.BookingEvent, course: CourseInfo, booking: BookingInfo
) -> EventData | None:
    """The events of running a course that carry more than the booking."""
    match event:
        case ev.CourseChangeNotice():
            return contracts.BookingCourseChanged(
                course=course,
                booking=booking,
                changed_fields=list(event.changed_fields),
                previous_sessions=[SessionInfo.model_validate(s) for s in event.previous_sessions],
            )
        case ev.AttendanceConcluded():
            certificate = None
            if event.outcome != "no_show":
                certificate = links.certificate_url(event.booking_id)
            return contracts.AttendanceConcluded(
                course=course,
                booking=booking,
                outcome=event.outcome,  # type: ignore[arg-type]
                sessions_attended=event.sessions_attended,
                sessions_total=event.sessions_total,
                hours_attended=event.hours_attended,
                fee_pence=event.fee_pence,
                certificate_url=certificate,
            )
        case ev.Reminder(days_before=days):
            return contracts.CourseReminder(course=course, booking=booking, days_before=days)
        case ev.OfferExpiring(expires_at=expires):
            return contracts.OfferExpiring(course=course, booking=booking, offer_expires_at=expires)
        case ev.EvaluationDue():
            return contracts.EvaluationDue(
                course=course,
                booking=booking,
                evaluation_url=links.evaluation_url(event.booking_id),
            )
        case ev.EvaluationSubmitted(rating=rating):
            return contracts.EvaluationSubmitted(course=course, booking=booking, rating=rating)
    return None
