"""Course and booking states and the rules that move between them."""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from shared.errors import Conflict


class CourseStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CANCELLED = "cancelled"
    COMPLETED = "completed"


class Strand(StrEnum):
    ITT = "itt"
    EARLY_CAREER = "early_career"
    CPD = "cpd"
    LEADERSHIP = "leadership_npq"
    SEND = "send"
    SUBJECT_NETWORK = "subject_network"
    RESEARCH = "research"


class Phase(StrEnum):
    EARLY_YEARS = "early_years"
    PRIMARY = "primary"
    SECONDARY = "secondary"
    SPECIAL = "special"
    POST_16 = "post_16"
    ALL_THROUGH = "all_through"


class BookingStatus(StrEnum):
    AWAITING_APPROVAL = "awaiting_approval"
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    OFFERED = "offered"
    DECLINED = "declined"
    OFFER_EXPIRED = "offer_expired"
    OFFER_DECLINED = "offer_declined"
    ATTENDED = "attended"
    PARTLY_ATTENDED = "partly_attended"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"


LIVE = frozenset(
    {
        BookingStatus.AWAITING_APPROVAL,
        BookingStatus.CONFIRMED,
        BookingStatus.WAITLISTED,
        BookingStatus.OFFERED,
    }
)
"""A person may hold at most one live booking on a course."""

HOLDS_PLACE = frozenset({BookingStatus.CONFIRMED, BookingStatus.OFFERED})
"""What counts against capacity. A booking awaiting its school's approval holds no place: the
place is allocated when the CPD lead approves (confirmed if one is free, else waitlisted)."""


class BookingRefused(Conflict):
    """The course takes no booking now; the message says why (answered as 409)."""

    title = "Booking refused"


@dataclass(frozen=True)
class CourseState:
    status: CourseStatus
    booking_closes_at: datetime
    capacity: int


def check_can_book(course: CourseState, now: datetime) -> None:
    if course.status is CourseStatus.DRAFT:
        raise BookingRefused("the course is not published yet")
    if course.status is CourseStatus.CANCELLED:
        raise BookingRefused("the course has been cancelled")
    if course.status is CourseStatus.COMPLETED:
        raise BookingRefused("the course has already run")
    if now >= course.booking_closes_at:
        raise BookingRefused("booking for this course has closed")


def allocate(capacity: int, places_held: int, waiting: int) -> BookingStatus:
    """Where a new (or newly approved) booking goes: a free place, or the end of the queue.

    Someone already waiting always comes first, so a free place with a queue is never taken.
    """
    if waiting == 0 and places_held < capacity:
        return BookingStatus.CONFIRMED
    return BookingStatus.WAITLISTED


def places_to_offer(capacity: int, places_held: int, waiting: int) -> int:
    """How many of the first waiting bookings get an offer now."""
    return max(0, min(capacity - places_held, waiting))


def check_transition(
    current: BookingStatus, allowed: frozenset[BookingStatus], action: str
) -> None:
    if current not in allowed:
        raise Conflict(f"a booking that is {current.value.replace('_', ' ')} cannot be {action}")


def cancelled_by(is_admin: bool, is_school_lead: bool) -> str:
    if is_admin:
        return "alliance"
    if is_school_lead:
        return "school"
    return "participant"
