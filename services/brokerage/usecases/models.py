"""What the use cases take and give back: plain typed values, validated before they get here
(the HTTP schemas in ``api/schemas.py`` check input field by field and build these)."""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from services.brokerage.domain.vocab import Area, FundingSource, Phase, SleStatus

# -- inputs ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Coordinator:
    name: str
    email: str


@dataclass(frozen=True)
class AllianceSetup:
    name: str
    region: str
    coordinators: list[Coordinator]


@dataclass(frozen=True)
class NewSle:
    name: str
    email: str
    phone: str | None
    home_school_urn: str
    home_school_name: str
    home_head_name: str
    home_head_email: str
    phases: list[Phase]
    specialisms: list[Area]
    days_available: float
    region: str
    status: SleStatus = SleStatus.ACTIVE


@dataclass(frozen=True)
class SleChanges:
    """Only the fields named in ``given`` change (``phone`` may be cleared with None)."""

    name: str | None = None
    email: str | None = None
    phone: str | None = None
    home_school_urn: str | None = None
    home_school_name: str | None = None
    home_head_name: str | None = None
    home_head_email: str | None = None
    phases: list[Phase] | None = None
    specialisms: list[Area] | None = None
    days_available: float | None = None
    region: str | None = None
    status: SleStatus | None = None
    given: frozenset[str] = frozenset()

    @classmethod
    def of(cls, **values: Any) -> "SleChanges":
        return cls(**values, given=frozenset(values))

    def values(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in sorted(self.given)}


@dataclass(frozen=True)
class NewSupportRequest:
    alliance_id: str
    school_name: str
    school_urn: str
    contact_name: str
    contact_role: str
    contact_email: str
    contact_phone: str
    areas: list[Area]
    phase: Phase
    needs: str
    outcomes: str
    timing: str
    days: float
    funding_source: FundingSource
    consent_to_share: bool


@dataclass(frozen=True)
class Triage:
    priority: str = "normal"
    note: str | None = None
    region: str | None = None


@dataclass(frozen=True)
class Agreement:
    days: float
    day_rate_pence: int
    starts_on: date
    ends_on: date
    brokerage_fee_pence: int | None = None
    brokerage_fee_percent: float | None = None


@dataclass(frozen=True)
class Visit:
    visit_date: date
    days: float
    summary: str | None = None


@dataclass(frozen=True)
class Evaluation:
    rating: int
    comments: str | None = None


# -- read models -----------------------------------------------------------------------------


@dataclass(frozen=True)
class AllianceView:
    id: str
    name: str
    region: str
    coordinators: list[Coordinator]


@dataclass(frozen=True)
class SleView:
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


@dataclass(frozen=True)
class Submitted:
    id: UUID
    reference: str
    status: str
    school_manage_url: str


@dataclass(frozen=True)
class ProposalView:
    sle_id: UUID
    sle_name: str
    rank: int | None
    reasons: list[str]


@dataclass(frozen=True)
class DeploymentView:
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


@dataclass(frozen=True)
class VisitView:
    visit_date: date
    days: float
    summary: str | None


@dataclass(frozen=True)
class SupportRequestView:
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
    proposal: ProposalView | None
    deployment: DeploymentView | None
    visits: list[VisitView]
    exit_reason: str | None
    rating: int | None
    evaluation: str | None
    allowed_actions: list[str]
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class ShortlistEntry:
    rank: int
    sle_id: UUID
    name: str
    home_school_name: str
    region: str
    days_left: float
    current_load: int
    score: float
    reasons: list[str]


@dataclass(frozen=True)
class ShortlistView:
    request_id: UUID
    days_requested: float
    region: str | None
    entries: list[ShortlistEntry]
    excluded_declined: list[UUID]
