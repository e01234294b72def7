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


class BookingRequested(_BookingEvent):
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
