"""What the use cases take, with the rules any input must keep (the API's request bodies and the
pages' forms are both checked against these). Names and titles are one line of text; free text
may span lines; neither may hold other control characters (``shared.text``)."""

from datetime import date
from typing import Annotated, Self
from uuid import UUID

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    HttpUrl,
    StrictBool,
    StringConstraints,
    field_validator,
    model_validator,
)

from services.bookings.domain.model import CourseStatus, Phase, Strand
from shared.email_address import Email
from shared.text import MultiLine, SingleLine

Name = Annotated[SingleLine, StringConstraints(min_length=1, max_length=200)]
ShortText = Annotated[SingleLine, StringConstraints(max_length=200)]
LongText = Annotated[MultiLine, StringConstraints(strip_whitespace=True, max_length=5000)]
Reason = Annotated[MultiLine, StringConstraints(strip_whitespace=True, max_length=2000)]
RequiredReason = Annotated[
    MultiLine, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)
]
Urn = Annotated[str, StringConstraints(pattern=r"^\d{6}$")]
Pence = Annotated[int, Field(ge=0, le=10_000_000)]


class StrictInput(BaseModel):
    """Unknown fields are refused, not ignored."""

    model_config = ConfigDict(extra="forbid")


class Session(StrictInput):
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


class Band(StrictInput):
    max_working_days: int = Field(ge=0, le=365, description="At most this many working days")
    percent: int = Field(ge=0, le=100, description="of the price charged")


class Policy(StrictInput):
    bands: list[Band] = Field(
        default_factory=lambda: [
            Band(max_working_days=10, percent=50),
            Band(max_working_days=2, percent=100),
        ],
        max_length=10,
    )
    late_fee_pence: Pence = Field(0, description="Charged for a free place cancelled in a band")
    no_show_percent: int = Field(
        100, ge=0, le=100, description="of the price charged for a no-show (free: the late fee)"
    )


class CourseDetails(StrictInput):
    title: Name
    summary: LongText = ""
    strand: Strand
    phases: list[Phase] = Field(min_length=1, max_length=6)
    audience: LongText = ""
    facilitator: ShortText = ""
    facilitator_email: EmailStr | None = Field(
        None, description="The facilitator signs in with this email to take the register"
    )
    sessions: list[Session] = Field(min_length=1, max_length=50)
    capacity: int = Field(ge=1, le=10_000)
    minimum_viable_numbers: int | None = Field(None, ge=0, le=10_000)
    booking_closes_at: AwareDatetime
    member_price_pence: Pence = 0
    non_member_price_pence: Pence = 0
    cancellation_policy: Policy = Field(default_factory=Policy)
    offer_hold_hours: float = Field(48.0, ge=0.001, le=720)
    viability_notice_working_days: int = Field(
        10, ge=0, le=100, description="Numbers are checked this many working days before"
    )
    reminder_days: list[int] = Field(
        default_factory=lambda: [7, 1],
        max_length=5,
        description="Participants are reminded this many days before the first session",
    )

    @field_validator("reminder_days")
    @classmethod
    def _reminder_days(cls, days: list[int]) -> list[int]:
        if any(not 0 < d <= 90 for d in days):
            raise ValueError("reminder days are between 1 and 90")
        return sorted(set(days), reverse=True)

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


class CourseChanges(StrictInput):
    """Only the fields given change; the result must still be a valid course."""

    title: Name | None = None
    summary: LongText | None = None
    strand: Strand | None = None
    phases: list[Phase] | None = None
    audience: LongText | None = None
    facilitator: ShortText | None = None
    facilitator_email: EmailStr | None = None
    sessions: list[Session] | None = None
    capacity: int | None = None
    minimum_viable_numbers: int | None = None
    booking_closes_at: AwareDatetime | None = None
    member_price_pence: Pence | None = None
    non_member_price_pence: Pence | None = None
    cancellation_policy: Policy | None = None
    offer_hold_hours: float | None = None
    viability_notice_working_days: int | None = None
    reminder_days: list[int] | None = None


class CourseFilters(BaseModel):
    alliance: str | None = None
    strand: Strand | None = None
    phase: Phase | None = None
    starts_from: date | None = None
    starts_to: date | None = None
    has_places: bool | None = None
    status: CourseStatus = CourseStatus.PUBLISHED


class Participant(StrictInput):
    name: Name
    email: Email
    role: ShortText | None = None

    @field_validator("email")
    @classmethod
    def _lower(cls, email: str) -> str:
        return email.lower()


class NewBooking(StrictInput):
    school_urn: Urn
    participant: Participant
    access_needs: Reason | None = None
    booker_name: Name | None = Field(
        None, description="The booker's name; the booker's email is the token's email claim"
    )


class SchoolDetails(StrictInput):
    name: Name
    cpd_lead_name: Name
    cpd_lead_email: EmailStr
    requires_approval: StrictBool = False


class Mark(StrictInput):
    booking_id: UUID
    attended: bool


class RegisterMarks(StrictInput):
    """One session's register: each confirmed booking marked attended or absent."""

    marks: list[Mark] = Field(min_length=1, max_length=10_000)

    @field_validator("marks")
    @classmethod
    def _once_each(cls, marks: list[Mark]) -> list[Mark]:
        if len({m.booking_id for m in marks}) != len(marks):
            raise ValueError("each booking is marked once")
        return marks


class Evaluation(StrictInput):
    rating: int = Field(ge=1, le=5, description="1 (poor) to 5 (excellent)")
    comments: LongText | None = None
