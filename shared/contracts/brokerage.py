"""Events on ``brokerage.events.v1``, keyed by support-request id so order holds per request."""

from datetime import date
from typing import ClassVar, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from shared.contracts.base import EventData, event_type_name
from shared.contracts.common import Contact, SchoolRef
from shared.contracts.topics import BROKERAGE_EVENTS

# What ``school_link_sealed`` is sealed for (``shared.sealed.Sealer``'s purpose), under the
# secret only brokerage and notifications hold (``SCHOOL_LINK_KEY``).
SCHOOL_LINK_SEAL_PURPOSE = "brokerage-school-link"


class RequestInfo(BaseModel):
    """What a message about a support request needs to say, and to whom."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    request_id: UUID
    reference: str
    alliance_id: str
    status: str
    school: SchoolRef
    contact: Contact
    areas_of_need: list[str]
    phase: str
    days_requested: float
    coordinators: list[Contact]
    url: str | None = None


class SleInfo(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    sle_id: UUID
    person: Contact
    home_school: SchoolRef
    home_head: Contact


class DeploymentInfo(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    days: float
    day_rate_pence: int
    brokerage_fee_pence: int
    starts_on: date
    ends_on: date


class _RequestEvent(EventData):
    topic: ClassVar[str] = BROKERAGE_EVENTS
    key_field: ClassVar[str] = "request_id"

    request: RequestInfo

    @property
    def request_id(self) -> UUID:
        return self.request.request_id

    def subject(self) -> str:
        return f"support-request/{self.request.request_id}"


class _SleEvent(_RequestEvent):
    sle: SleInfo


def _t(name: str) -> str:
    return event_type_name("brokerage", name)


class RequestSubmitted(_RequestEvent):
    event_type: ClassVar[str] = _t("request_submitted")
    # For the school contact ONLY: a secret link to see the request, confirm a proposed SLE
    # and withdraw, SEALED (Fernet, shared.sealed) under a key only brokerage and notifications
    # hold, so the topic and dead-letter topics carry no usable link. Never send it to anyone
    # else.
    school_link_sealed: str | None = None
    # Deprecated: the link in the clear, as events before ``school_link_sealed`` carried it.
    # Brokerage no longer fills it; notifications still honours it in old events.
    school_manage_url: str | None = None


class SchoolLinkIssued(_RequestEvent):
    """The school asked for a fresh private link (and gave the request's reference and contact
    email): every earlier link has stopped working. Only the school contact is told."""

    event_type: ClassVar[str] = _t("school_link_issued")
    school_link_sealed: str


class RequestTriaged(_RequestEvent):
    event_type: ClassVar[str] = _t("request_triaged")
    priority: str | None = None
    note: str | None = None


class SleProposed(_SleEvent):
    event_type: ClassVar[str] = _t("sle_proposed")
    rank: int
    reasons: list[str]
    # For the school contact ONLY (see RequestSubmitted): where the school confirms the SLE.
    school_link_sealed: str | None = None
    school_manage_url: str | None = None  # deprecated (see RequestSubmitted)


class SleDeclined(_SleEvent):
    event_type: ClassVar[str] = _t("sle_declined")
    reason: str | None = None
    # For the school contact ONLY (see RequestSubmitted).
    school_link_sealed: str | None = None
    school_manage_url: str | None = None  # deprecated (see RequestSubmitted)


class SleAccepted(_SleEvent):
    event_type: ClassVar[str] = _t("sle_accepted")
    # For the school contact ONLY (see RequestSubmitted).
    school_link_sealed: str | None = None


class PartyConfirmed(_SleEvent):
    """One of the three confirmations a proposal needs (the SLE accepts, the school confirms,
    the home school releases), with those still awaited; ``SleAccepted`` follows the last."""

    event_type: ClassVar[str] = _t("party_confirmed")
    party: Literal["sle", "school", "home_school"]
    awaiting: list[Literal["sle", "school", "home_school"]]


class RequestUnmatched(_RequestEvent):
    """No SLE can be found: the request is closed."""

    event_type: ClassVar[str] = _t("request_unmatched")
    reason: str | None = None
    # For the school contact ONLY (see RequestSubmitted).
    school_link_sealed: str | None = None
    school_manage_url: str | None = None  # deprecated (see RequestSubmitted)


class DeploymentAgreed(_SleEvent):
    event_type: ClassVar[str] = _t("deployment_agreed")
    deployment: DeploymentInfo
    # For the school contact ONLY (see RequestSubmitted).
    school_link_sealed: str | None = None


class VisitLogged(_SleEvent):
    event_type: ClassVar[str] = _t("visit_logged")
    visit_date: date
    days: float
    days_delivered: float
    summary: str | None = None


class VisitLogOverdue(_SleEvent):
    """The deployment's last day is ``working_days`` working days past and some of its days
    are still not logged as delivered. Sent once per deployment."""

    event_type: ClassVar[str] = _t("visit_log_overdue")
    deployment: DeploymentInfo
    days_delivered: float
    due_on: date
    working_days: int


class RequestCompleted(_SleEvent):
    event_type: ClassVar[str] = _t("request_completed")
    days_delivered: float
    # For the school contact ONLY (see RequestSubmitted): where the school evaluates.
    school_link_sealed: str | None = None
    school_manage_url: str | None = None  # deprecated (see RequestSubmitted)


class DeploymentSettled(_SleEvent):
    """The money of a deployment, once it ends (completed, or cancelled or withdrawn with days
    delivered so far): the requesting school pays ``days_delivered`` at ``day_rate_pence``
    (``sle_days_pence``) and the alliance's ``brokerage_fee_pence``; the SLE's home school is
    credited ``sle_days_pence``. Rounding: services/brokerage/README.md, "Money"."""

    event_type: ClassVar[str] = _t("deployment_settled")
    outcome: Literal["completed", "cancelled", "withdrawn"]
    days_delivered: float
    day_rate_pence: int
    sle_days_pence: int
    brokerage_fee_basis: Literal["fixed", "percent"]
    brokerage_fee_percent: float | None = None
    brokerage_fee_pence: int
    settled_on: date


class RequestEvaluated(_RequestEvent):
    event_type: ClassVar[str] = _t("request_evaluated")
    rating: int | None = None
    comments: str | None = None
    # Who evaluated: "school" (its page or link) or "coordinator" (recording it for them).
    evaluated_by: str | None = None


class RequestWithdrawn(_RequestEvent):
    """By the school. ``sle`` is set where an SLE had been proposed or deployed."""

    event_type: ClassVar[str] = _t("request_withdrawn")
    sle: SleInfo | None = None
    reason: str | None = None
    days_released: float = 0
    # For the school contact ONLY (see RequestSubmitted): the page shows the final status.
    school_link_sealed: str | None = None


class RequestCancelled(_RequestEvent):
    """By the coordinator. ``sle`` is set where an SLE had been proposed or deployed."""

    event_type: ClassVar[str] = _t("request_cancelled")
    sle: SleInfo | None = None
    reason: str | None = None
    days_released: float = 0
    # For the school contact ONLY (see RequestSubmitted): the page shows the final status.
    school_link_sealed: str | None = None
