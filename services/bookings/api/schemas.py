"""Request and response bodies of the HTTP API, with their validation."""

from datetime import date, datetime
from typing import Annotated, Generic, Self, TypeVar
from uuid import UUID

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    HttpUrl,
    StringConstraints,
    field_validator,
    model_validator,
)

from services.bookings.domain.model import BookingStatus, CourseStatus, Phase, Strand

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=5000)]
Urn = Annotated[str, StringConstraints(pattern=r"^\d{6}$")]
Pence = Annotated[int, Field(ge=0, le=10_000_000)]

T = TypeVar("T")


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SessionIn(_In):
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    venue: ShortText | None = None
    online_url: HttpUrl | None = None

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.ends_at <= self.starts_at:
            raise ValueError("a session must end after it starts")
        if not self.venue and not self.online_url:
            raise ValueError("a session needs a venue or an online link")
        return self


class BandIn(_In):
    max_working_days: int = Field(ge=0, le=365, description="At most this many working days")
    percent: int = Field(ge=0, le=100, description="of the price charged")


class PolicyIn(_In):
    bands: list[BandIn] = Field(
        default_factory=lambda: [
            BandIn(max_working_days=10, percent=50),
            BandIn(max_working_days=2, percent=100),
        ],
        max_length=10,
    )
    late_fee_pence: Pence = Field(0, description="Charged for a free place cancelled in a band")


class CourseIn(_In):
    title: Name
    summary: LongText = ""
    strand: Strand
    phases: list[Phase] = Field(min_length=1, max_length=6)
    audience: LongText = ""
    facilitator: ShortText = ""
    sessions: list[SessionIn] = Field(min_length=1, max_length=50)
    capacity: int = Field(ge=1, le=10_000)
    minimum_viable_numbers: int | None = Field(None, ge=0, le=10_000)
    booking_closes_at: AwareDatetime
    member_price_pence: Pence = 0
    non_member_price_pence: Pence = 0
    cancellation_policy: PolicyIn = Field(default_factory=PolicyIn)
    offer_hold_hours: float = Field(48.0, ge=0.001, le=720)

    @field_validator("phases")
    @classmethod
    def _unique_phases(cls, phases: list[Phase]) -> list[Phase]:
        return list(dict.fromkeys(phases))

    @model_validator(mode="after")
    def _check(self) -> Self:
        self.sessions.sort(key=lambda s: s.starts_at)
        if self.booking_closes_at > self.sessions[0].starts_at:
            raise ValueError("booking must close before the first session starts")
        if self.minimum_viable_numbers is not None and self.minimum_viable_numbers > self.capacity:
            raise ValueError("minimum viable numbers cannot exceed the capacity")
        return self


class CoursePatch(_In):
    """Only the fields given change; the result must still be a valid course."""

    title: Name | None = None
    summary: LongText | None = None
    strand: Strand | None = None
    phases: list[Phase] | None = None
    audience: LongText | None = None
    facilitator: ShortText | None = None
    sessions: list[SessionIn] | None = None
    capacity: int | None = None
    minimum_viable_numbers: int | None = None
    booking_closes_at: AwareDatetime | None = None
    member_price_pence: Pence | None = None
    non_member_price_pence: Pence | None = None
    cancellation_policy: PolicyIn | None = None
    offer_hold_hours: float | None = None


class CourseCancelIn(_In):
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]


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
    places_left: int
    booking_open: bool
    cancellation_reason: str | None = None
    url: str


class Page(BaseModel, Generic[T]):
    items: list[T]
    page: int
    per_page: int
    total: int


class ParticipantIn(_In):
    name: Name
    email: EmailStr
    role: ShortText | None = None

    @field_validator("email")
    @classmethod
    def _lower(cls, email: str) -> str:
        return email.lower()


class BookingIn(_In):
    school_urn: Urn
    participant: ParticipantIn
    access_needs: (
        Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] | None
    ) = None
    booker_name: Name | None = Field(
        None, description="The booker's name; the booker's email is the token's email claim"
    )


class BookingCancelIn(_In):
    reason: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] | None = None
    waive_fee: bool = Field(False, description="Alliance administrators only")


class DeclineIn(_In):
    reason: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] | None = None


class SubstituteIn(_In):
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
    created_at: datetime
    url: str


class SchoolIn(_In):
    name: Name
    cpd_lead_name: Name
    cpd_lead_email: EmailStr
    requires_approval: bool = False


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


class CourseFilters(BaseModel):
    alliance: str | None = None
    strand: Strand | None = None
    phase: Phase | None = None
    starts_from: date | None = None
    starts_to: date | None = None
    has_places: bool | None = None
    status: CourseStatus = CourseStatus.PUBLISHED
