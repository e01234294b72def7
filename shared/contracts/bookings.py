"""Events on ``bookings.events.v1``, keyed by course id so order holds per course."""

from datetime import datetime
from typing import ClassVar, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from shared.contracts.base import EventData, event_type_name
from shared.contracts.common import Contact, SchoolRef
from shared.contracts.topics import BOOKINGS_EVENTS

CancelledBy = Literal["participant", "school", "alliance"]


class SessionInfo(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    starts_at: datetime
    ends_at: datetime
    venue: str | None = None
    online_url: str | None = None


class CourseInfo(BaseModel):
    """What a message about a course needs to say about it."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    course_id: UUID
    alliance_id: str
    title: str
    sessions: list[SessionInfo]
    url: str | None = None
    facilitator: str | None = None


class BookingInfo(BaseModel):
    """Who is booked, by whom, for which school, and at what price."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    booking_id: UUID
    status: str
    school: SchoolRef
    participant: Contact
    booker: Contact
    cpd_lead: Contact | None = None
    price_pence: int
    url: str | None = None
    price_band: Literal["member", "non_member"] | None = None
    """Which of the course's prices ``price_pence`` is: the school was a member of the
    alliance when it booked, or not."""


class _CourseEvent(EventData):
    topic: ClassVar[str] = BOOKINGS_EVENTS
    key_field: ClassVar[str] = "course_id"

    course: CourseInfo

    @property
    def course_id(self) -> UUID:
        return self.course.course_id


class _BookingEvent(_CourseEvent):
    booking: BookingInfo

    def subject(self) -> str:
        return f"booking/{self.booking.booking_id}"


def _t(name: str) -> str:
    return event_type_name("bookings", name)


class CoursePublished(_CourseEvent):
    event_type: ClassVar[str] = _t("course_published")
    capacity: int


class CourseChanged(_CourseEvent):
    event_type: ClassVar[str] = _t("course_changed")
    changed_fields: list[str]


class CourseCancelled(_CourseEvent):
    """Every live booking also gets its own BookingCancelled (cancelled_by="alliance")."""

    event_type: ClassVar[str] = _t("course_cancelled")
    reason: str
    bookings_cancelled: int
    administrator: Contact | None = None
    """The administrator who cancelled it, to be told what followed."""
    low_numbers: bool = False
    """Cancelled because too few booked (after a viability check)."""


class BookingRequested(_BookingEvent):
    """Deprecated: no longer published. A booking's outcome (confirmed, waitlisted or awaiting
    approval) already says it was made; kept so that events already on the topic still read."""

    event_type: ClassVar[str] = _t("booking_requested")


class BookingAwaitingApproval(_BookingEvent):
    event_type: ClassVar[str] = _t("booking_awaiting_approval")


class BookingApproved(_BookingEvent):
    event_type: ClassVar[str] = _t("booking_approved")


class BookingDeclined(_BookingEvent):
    event_type: ClassVar[str] = _t("booking_declined")
    reason: str | None = None


class BookingConfirmed(_BookingEvent):
    event_type: ClassVar[str] = _t("booking_confirmed")


class BookingWaitlisted(_BookingEvent):
    event_type: ClassVar[str] = _t("booking_waitlisted")
    position: int


class PlaceOffered(_BookingEvent):
    event_type: ClassVar[str] = _t("place_offered")
    offer_expires_at: datetime


class OfferAccepted(_BookingEvent):
    event_type: ClassVar[str] = _t("offer_accepted")


class OfferExpired(_BookingEvent):
    event_type: ClassVar[str] = _t("offer_expired")


class BookingCancelled(_BookingEvent):
    event_type: ClassVar[str] = _t("booking_cancelled")
    cancelled_by: CancelledBy
    fee_pence: int
    working_days_notice: int | None = None
    reason: str | None = None
    course_cancelled: bool = False
    """True when the whole course was cancelled (a full refund); an administrator cancelling one
    booking leaves it False, and ``fee_pence`` is the fee every message states."""


class BookingSubstituted(_BookingEvent):
    """``booking.participant`` is the new participant; ``previous_participant`` the old one."""

    event_type: ClassVar[str] = _t("booking_substituted")
    previous_participant: Contact


class OfferDeclined(_BookingEvent):
    """The participant (or their school) turned down a place offered from the waiting list."""

    event_type: ClassVar[str] = _t("offer_declined")


# -- running a course -----------------------------------------------------------------------


class BookingCourseChanged(_BookingEvent):
    """The course of a live booking changed its dates, venue or online link; the booking may
    now be cancelled free of charge. ``course`` is as it now is."""

    event_type: ClassVar[str] = _t("booking_course_changed")
    changed_fields: list[str]
    previous_sessions: list[SessionInfo]
    free_cancellation: bool = True


class RegisterTaken(_CourseEvent):
    """A session's register was taken (or corrected)."""

    event_type: ClassVar[str] = _t("register_taken")
    session_index: int
    attended: int
    absent: int


class AttendanceConcluded(_BookingEvent):
    """The register is closed: the booking ended attended, partly attended or no-show.
    ``fee_pence`` is the no-show fee (0 otherwise); ``certificate_url`` is a signed link to the
    certificate of attendance (none for a no-show)."""

    event_type: ClassVar[str] = _t("attendance_concluded")
    outcome: Literal["attended", "partly_attended", "no_show"]
    sessions_attended: int
    sessions_total: int
    hours_attended: float
    fee_pence: int
    certificate_url: str | None = None


class CourseCompleted(_CourseEvent):
    event_type: ClassVar[str] = _t("course_completed")
    attended: int
    partly_attended: int
    no_shows: int


class CourseReminder(_BookingEvent):
    """Sent by the scheduler at a set time before the first session."""

    event_type: ClassVar[str] = _t("course_reminder")
    days_before: int


class OfferExpiring(_BookingEvent):
    event_type: ClassVar[str] = _t("offer_expiring")
    offer_expires_at: datetime


class ViabilityChecked(_CourseEvent):
    """Numbers at the course's viability notice; the administrator decides whether it runs."""

    event_type: ClassVar[str] = _t("viability_checked")
    places_held: int
    minimum_viable_numbers: int
    viable: bool
    working_days_notice: int
    administrator: Contact | None = None


class EvaluationDue(_BookingEvent):
    """After the last session, an attendee is asked to evaluate the course."""

    event_type: ClassVar[str] = _t("evaluation_due")
    evaluation_url: str


class EvaluationSubmitted(_BookingEvent):
    event_type: ClassVar[str] = _t("evaluation_submitted")
    rating: int
