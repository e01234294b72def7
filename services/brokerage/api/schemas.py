"""Request and response bodies of the brokerage API, with the validation bad input meets.

Each input schema builds the use case's own input (``to_input``); responses are read from the
use cases' read models (``model_validate(view, from_attributes=True)``).
"""

from datetime import date, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    StrictBool,
    StringConstraints,
    TypeAdapter,
    field_validator,
    model_validator,
)

from services.brokerage.domain.vocab import Area, FundingSource, Phase, SleStatus, is_half_day_step
from services.brokerage.usecases import models
from shared.text import MultiLine, SingleLine


def _half_days(value: float) -> float:
    if not is_half_day_step(value):
        raise ValueError("must be at least 0.5, in half-day steps")
    return value


def _text(kind: Any, max_length: int, min_length: int) -> Any:
    """Stripped and length-checked text that must also be of the kernel's ``kind``."""
    limits = StringConstraints(strip_whitespace=True, min_length=min_length, max_length=max_length)
    return Annotated[str, limits, AfterValidator(TypeAdapter(kind).validate_python)]


def one_line(max_length: int, min_length: int = 1) -> Any:
    """Names, roles, places: no control characters at all (CR and LF included)."""
    return _text(SingleLine, max_length, min_length)


def free_text(max_length: int, min_length: int = 0) -> Any:
    """Descriptions and reasons: line breaks allowed, other control characters refused."""
    return _text(MultiLine, max_length, min_length)


Text200 = one_line(200)
Timing = one_line(500)
Region = one_line(100)
AllianceId = one_line(64)
LongText = free_text(5000, min_length=1)
Reason = free_text(2000)
Urn = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^\d{6}$")]
Phone = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^\+?[0-9 ()\-]{7,20}$")]
HalfDays = Annotated[float, Field(ge=0.5, le=200), AfterValidator(_half_days)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# -- alliances -------------------------------------------------------------------------------


class CoordinatorIn(Strict):
    name: Text200
    email: EmailStr


class AllianceIn(Strict):
    name: Text200
    region: Region
    coordinators: list[CoordinatorIn] = Field(min_length=1, max_length=20)

    def to_input(self) -> models.AllianceSetup:
        return models.AllianceSetup(
            name=self.name,
            region=self.region,
            coordinators=[models.Coordinator(c.name, str(c.email)) for c in self.coordinators],
        )


class AllianceOut(BaseModel):
    id: str
    name: str
    region: str
    coordinators: list[CoordinatorIn]


# -- SLEs ------------------------------------------------------------------------------------


UNIQUE = Field(min_length=1, json_schema_extra={"uniqueItems": True})


def _unique(values: list) -> list:
    if len(set(values)) != len(values):
        raise ValueError("each value may appear once")
    return values


def _whole(value: float) -> float:
    if value * 2 != int(value * 2):
        raise ValueError("must be in half-day steps")
    return value


class SleIn(Strict):
    name: Text200
    email: EmailStr
    phone: Phone | None = None
    home_school_urn: Urn
    home_school_name: Text200
    home_head_name: Text200
    home_head_email: EmailStr
    phases: Annotated[list[Phase], UNIQUE, AfterValidator(_unique)]
    specialisms: Annotated[list[Area], UNIQUE, AfterValidator(_unique)]
    days_available: Annotated[float, Field(ge=0, le=200), AfterValidator(_whole)]
    region: Region
    status: SleStatus = SleStatus.ACTIVE

    def to_input(self) -> models.NewSle:
        return models.NewSle(**self.model_dump())


def _not_null_but_phone(schema: dict[str, Any]) -> None:
    """The document says what ``_no_nulls`` keeps: only ``phone`` may be set to null."""
    for name, field in schema.get("properties", {}).items():
        kinds = [k for k in field.get("anyOf", []) if k != {"type": "null"}]
        if name != "phone" and len(kinds) == 1:
            del field["anyOf"]
            field.update(kinds[0])


class SlePatch(Strict):
    """Only the fields given change; none but phone may be null."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_not_null_but_phone)

    name: Text200 | None = None
    email: EmailStr | None = None
    phone: Phone | None = None
    home_school_urn: Urn | None = None
    home_school_name: Text200 | None = None
    home_head_name: Text200 | None = None
    home_head_email: EmailStr | None = None
    phases: Annotated[list[Phase], UNIQUE, AfterValidator(_unique)] | None = None
    specialisms: Annotated[list[Area], UNIQUE, AfterValidator(_unique)] | None = None
    days_available: Annotated[float, Field(ge=0, le=200), AfterValidator(_whole)] | None = None
    region: Region | None = None
    status: SleStatus | None = None

    @model_validator(mode="after")
    def _no_nulls(self) -> "SlePatch":
        for name in self.model_fields_set:
            if getattr(self, name) is None and name != "phone":
                raise ValueError(f"{name} cannot be null")
        return self

    def to_input(self) -> models.SleChanges:
        return models.SleChanges.of(**self.model_dump(exclude_unset=True))


class SleOut(BaseModel):
    id: UUID
    alliance_id: str
    name: str
    email: str
    phone: str | None
    home_school_urn: str
    home_school_name: str
    home_head_name: str
    home_head_email: str
    phases: list[Phase]
    specialisms: list[Area]
    region: str
    status: SleStatus
    days_available: float
    days_committed: float
    days_left: float
    current_load: int


# -- support requests ------------------------------------------------------------------------


class SupportRequestIn(Strict):
    """The school's request for support, as the public form (or a web client) sends it."""

    alliance_id: AllianceId
    school_name: Text200
    school_urn: Urn
    contact_name: Text200
    contact_role: Text200
    contact_email: EmailStr
    contact_phone: Phone
    areas: Annotated[list[Area], UNIQUE, AfterValidator(_unique)]
    phase: Phase
    needs: LongText
    outcomes: LongText
    timing: Timing
    days: HalfDays
    funding_source: FundingSource
    consent_to_share: Annotated[StrictBool, Field(json_schema_extra={"const": True})]

    @field_validator("consent_to_share")
    @classmethod
    def _consent(cls, value: bool) -> bool:
        if not value:
            raise ValueError("consent to share with the matched SLE is needed to broker support")
        return value

    def to_input(self) -> models.NewSupportRequest:
        return models.NewSupportRequest(**self.model_dump())


class SubmittedOut(BaseModel):
    id: UUID
    reference: str
    status: str
    # The school's secret link: shown once here and emailed to the school contact.
    school_manage_url: str


class ProposalOut(BaseModel):
    sle_id: UUID
    sle_name: str
    rank: int | None
    reasons: list[str]


class DeploymentOut(BaseModel):
    id: UUID
    sle_id: UUID
    days: float
    day_rate_pence: int
    brokerage_fee_pence: int
    starts_on: date
    ends_on: date
    days_delivered: float
    days_released: float
    status: str


class VisitOut(BaseModel):
    visit_date: date
    days: float
    summary: str | None


class SupportRequestOut(BaseModel):
    id: UUID
    reference: str
    alliance_id: str
    status: str
    school_urn: str
    school_name: str
    contact_name: str
    contact_role: str
    contact_email: str
    contact_phone: str
    areas: list[Area]
    phase: Phase
    needs: str
    outcomes: str
    timing: str
    days_requested: float
    funding_source: FundingSource
    consent_to_share: bool
    region: str | None
    priority: str | None
    triage_note: str | None
    confirmations: list[str]
    declined_sle_ids: list[UUID]
    proposal: ProposalOut | None
    deployment: DeploymentOut | None
    visits: list[VisitOut]
    exit_reason: str | None
    rating: int | None
    evaluation: str | None
    allowed_actions: list[str]
    created_at: datetime
    updated_at: datetime


class ShortlistEntry(BaseModel):
    rank: int
    sle_id: UUID
    name: str
    home_school_name: str
    region: str
    days_left: float
    current_load: int
    score: float
    reasons: list[str]


class ShortlistOut(BaseModel):
    request_id: UUID
    days_requested: float
    region: str | None
    entries: list[ShortlistEntry]
    excluded_declined: list[UUID]


# -- transitions -----------------------------------------------------------------------------


class SchoolTokenIn(Strict):
    """The school acts through the secret in its link; staff use their bearer token instead."""

    school_token: Annotated[str, StringConstraints(max_length=200)] | None = None


class TriageIn(Strict):
    priority: Literal["low", "normal", "high", "urgent"] = "normal"
    note: Reason | None = None
    region: Region | None = None

    def to_input(self) -> models.Triage:
        return models.Triage(**self.model_dump())


class ProposeIn(Strict):
    sle_id: UUID


class ReasonIn(Strict):
    reason: Reason | None = None


class WithdrawIn(SchoolTokenIn):
    reason: Reason | None = None


class AgreeIn(Strict):
    days: HalfDays
    day_rate_pence: Annotated[int, Field(ge=0, le=1_000_000)]
    brokerage_fee_pence: Annotated[int, Field(ge=0, le=10_000_000)] | None = None
    brokerage_fee_percent: Annotated[float, Field(ge=0, le=100)] | None = None
    starts_on: date
    ends_on: date

    def to_input(self) -> models.Agreement:
        return models.Agreement(**self.model_dump())


class VisitIn(Strict):
    visit_date: date
    days: HalfDays
    summary: Reason | None = None

    def to_input(self) -> models.Visit:
        return models.Visit(**self.model_dump())


class EvaluateIn(SchoolTokenIn):
    rating: Annotated[int, Field(ge=1, le=5)]
    comments: Reason | None = None

    def to_input(self) -> models.Evaluation:
        return models.Evaluation(rating=self.rating, comments=self.comments)
