"""Request and response bodies of the HTTP API. Request bodies are the use cases' inputs (and
their rules) under the names the OpenAPI document has always given them."""

import re
from datetime import date, datetime
from typing import Annotated, Generic, TypeVar
from uuid import UUID

from pydantic import BaseModel, BeforeValidator, Field, StrictBool

from services.bookings.domain.model import BookingStatus, CourseStatus, Phase, Strand
from services.bookings.usecases import inputs
from services.bookings.usecases.inputs import Reason, RequiredReason, StrictInput, Urn

__all__ = ["Urn"]

T = TypeVar("T")

_FULL_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _full_date(value: object) -> object:
    """As the document says (``format: date``): ``2026-03-01``, not ``0`` read as a timestamp."""
    if isinstance(value, str) and not _FULL_DATE.fullmatch(value):
        raise ValueError("must be a date, like 2026-03-01")
    return value


IsoDate = Annotated[date, BeforeValidator(_full_date)]


class SessionIn(inputs.Session):
    pass


class BandIn(inputs.Band):
    pass


class PolicyIn(inputs.Policy):
    bands: list[BandIn] = Field(  # type: ignore[assignment]
        default_factory=lambda: [
            BandIn(max_working_days=10, percent=50),
            BandIn(max_working_days=2, percent=100),
        ],
        max_length=10,
    )


class CourseIn(inputs.CourseDetails):
    sessions: list[SessionIn] = Field(min_length=1, max_length=50)  # type: ignore[assignment]
    cancellation_policy: PolicyIn = Field(default_factory=PolicyIn)


class CoursePatch(inputs.CourseChanges):
    """Only the fields given change; the result must still be a valid course."""

    sessions: list[SessionIn] | None = None  # type: ignore[assignment]
    cancellation_policy: PolicyIn | None = None


class CourseCancelIn(StrictInput):
    reason: RequiredReason
    low_numbers: bool = Field(
        False, description="Cancelled because it did not reach its minimum viable numbers"
    )


class SessionOut(BaseModel):
    starts_at: datetime
    ends_at: datetime
    venue: str | None = None
    online_url: str | None = None


class BandOut(BaseModel):
    max_working_days: int
    percent: int


class PolicyOut(BaseModel):
    bands: list[BandOut]
    late_fee_pence: int
    no_show_percent: int = 100


class CourseOut(BaseModel):
    id: UUID
    alliance_id: str
    status: CourseStatus
    title: str
    summary: str
    strand: Strand
    phases: list[Phase]
    audience: str
    facilitator: str
    sessions: list[SessionOut]
    capacity: int
    minimum_viable_numbers: int | None
    booking_closes_at: datetime
    member_price_pence: int
    non_member_price_pence: int
    cancellation_policy: PolicyOut
    offer_hold_hours: float
    viability_notice_working_days: int = 10
    reminder_days: list[int] = [7, 1]
    places_left: int
    booking_open: bool
    cancellation_reason: str | None = None
    url: str


class Page(BaseModel, Generic[T]):
    items: list[T]
    page: int
    per_page: int
    total: int


class ParticipantIn(inputs.Participant):
    pass


class BookingIn(inputs.NewBooking):
    participant: ParticipantIn


class BookingCancelIn(StrictInput):
    reason: Reason | None = None
    waive_fee: StrictBool = Field(False, description="Alliance administrators only")


class DeclineIn(StrictInput):
    reason: Reason | None = None


class SubstituteIn(StrictInput):
    participant: ParticipantIn


class ContactOut(BaseModel):
    name: str
    email: str
    role: str | None = None


class SchoolRefOut(BaseModel):
    urn: str
    name: str


class BookingOut(BaseModel):
    id: UUID
    course_id: UUID
    course_title: str
    status: BookingStatus
    school: SchoolRefOut
    participant: ContactOut
    booker: ContactOut
    access_needs: str | None
    price_pence: int
    waitlist_position: int | None = None
    offer_expires_at: datetime | None = None
    fee_pence: int | None = None
    cancelled_by: str | None = None
    status_reason: str | None = None
    free_cancellation: bool = False
    sessions_attended: int | None = None
    created_at: datetime
    url: str


class SchoolIn(inputs.SchoolDetails):
    pass


class SchoolOut(BaseModel):
    urn: str
    name: str
    cpd_lead_name: str
    cpd_lead_email: str
    requires_approval: bool
    alliances: list[str]


class MembershipOut(BaseModel):
    alliance_id: str
    urn: str
    school_name: str
