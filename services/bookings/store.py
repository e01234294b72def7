"""Stored rows as the course aggregate and its bookings, and bookings back as column values."""

from typing import Any

from sqlalchemy import Row

from services.bookings.domain.course import Booking, Course
from services.bookings.domain.events import Person
from services.bookings.domain.model import BookingStatus, CourseStatus
from services.bookings.domain.policy import Band, CancellationPolicy


def policy_from(stored: dict[str, Any]) -> CancellationPolicy:
    return CancellationPolicy(
        bands=tuple(Band(**band) for band in stored.get("bands", [])),
        late_fee_pence=int(stored.get("late_fee_pence", 0)),
        no_show_percent=int(stored.get("no_show_percent", 100)),
    )


def course_from(row: Row, places_held: int, waiting: int) -> Course:
    c = row._mapping
    return Course(
        id=c["id"],
        alliance_id=c["alliance_id"],
        status=CourseStatus(c["status"]),
        title=c["title"],
        sessions=list(c["sessions"]),
        starts_at=c["starts_at"],
        capacity=c["capacity"],
        booking_closes_at=c["booking_closes_at"],
        offer_hold_hours=c["offer_hold_hours"],
        policy=policy_from(c["cancellation_policy"]),
        member_price_pence=c["member_price_pence"],
        non_member_price_pence=c["non_member_price_pence"],
        places_held=places_held,
        waiting=waiting,
        queue_seq=int(c["queue_seq"]),
        facilitator=c["facilitator"],
        facilitator_email=c["facilitator_email"],
        minimum_viable_numbers=c["minimum_viable_numbers"],
        viability_notice_working_days=c["viability_notice_working_days"],
        reminder_days=tuple(c["reminder_days"]),
        administrator_email=c["administrator_email"],
    )


def booking_from(row: Row) -> Booking:
    b = row._mapping
    return Booking(
        id=b["id"],
        course_id=b["course_id"],
        status=BookingStatus(b["status"]),
        school_urn=b["school_urn"],
        participant=Person(b["participant_name"], b["participant_email"], b["participant_role"]),
        booker=Person(b["booker_name"], b["booker_email"]),
        booker_subject=b["booker_subject"],
        price_pence=b["price_pence"],
        created_at=b["created_at"],
        access_needs=b["access_needs"],
        queue_seq=b["queue_seq"],
        offer_expires_at=b["offer_expires_at"],
        fee_pence=b["fee_pence"],
        cancelled_by=b["cancelled_by"],
        status_reason=b["status_reason"],
        free_cancellation=b["free_cancellation"],
        sessions_attended=b["sessions_attended"],
    )


def booking_values(booking: Booking) -> dict[str, Any]:
    return {
        "id": booking.id,
        "course_id": booking.course_id,
        "status": booking.status.value,
        "school_urn": booking.school_urn,
        "participant_name": booking.participant.name,
        "participant_email": booking.participant.email,
        "participant_role": booking.participant.role,
        "access_needs": booking.access_needs,
        "booker_subject": booking.booker_subject,
        "booker_name": booking.booker.name,
        "booker_email": booking.booker.email,
        "price_pence": booking.price_pence,
        "queue_seq": booking.queue_seq,
        "offer_expires_at": booking.offer_expires_at,
        "fee_pence": booking.fee_pence,
        "cancelled_by": booking.cancelled_by,
        "status_reason": booking.status_reason,
        "free_cancellation": booking.free_cancellation,
        "sessions_attended": booking.sessions_attended,
        "created_at": booking.created_at,
    }


class KnownRow:
    """A booking as ``repository.booking_select()`` would read it back, from values already at
    hand (a new booking, written in the same transaction): a round trip and a count less."""

    __slots__ = ("_mapping",)

    def __init__(self, values: dict[str, Any]) -> None:
        self._mapping = values

    def __getattr__(self, name: str) -> Any:
        try:
            return self._mapping[name]
        except KeyError:
            raise AttributeError(name) from None


BookingRow = Row | KnownRow


def new_booking_row(course: Course, booking: Booking, school: Row) -> KnownRow:
    """``booking``, just added to ``course``, with its school (a row with ``school_name``,
    ``cpd_lead_name``, ``cpd_lead_email``) and its queue position: everyone waiting, as it is
    last in the queue (none before it has a place in the queue when it awaits approval)."""
    return KnownRow(
        booking_values(booking)
        | {
            "course_title": course.title,
            "alliance_id": course.alliance_id,
            "course_starts_at": course.starts_at,
            "member_price_pence": course.member_price_pence,
            "non_member_price_pence": course.non_member_price_pence,
            "school_name": school.school_name,
            "cpd_lead_name": school.cpd_lead_name,
            "cpd_lead_email": school.cpd_lead_email,
            "position": course.waiting if booking.queue_seq is not None else 0,
        }
    )
