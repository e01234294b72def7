"""The finance API's bodies: money in integer pence, dates as ISO dates."""

from datetime import date
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, EmailStr, Field, StringConstraints

Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
Address = Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)]


class AllianceBillingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    address: Address = ""
    vat_registered: bool = False
    vat_number: Annotated[str, StringConstraints(strip_whitespace=True, max_length=30)] | None = (
        None
    )
    vat_rate_bp: Annotated[int, Field(ge=0, le=10_000, description="Basis points: 2000 is 20%")] = (
        2000
    )
    payment_terms_days: Annotated[int, Field(ge=0, le=365)] = 30
    invoice_per: Literal["period", "booking"] = "period"
    number_prefix: Annotated[
        str,
        StringConstraints(pattern=r"^[A-Z0-9]{1,12}$"),
        Field(description="Upper-case letters and digits"),
    ] = "INV"


class AllianceBillingOut(AllianceBillingIn):
    model_config = ConfigDict(extra="ignore")


class SchoolBillingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    address: Address = ""
    finance_contact_name: Text | None = None
    finance_contact_email: EmailStr | None = None


class SchoolOut(BaseModel):
    urn: str
    name: str
    address: str
    finance_contact_name: str | None
    finance_contact_email: str | None


class LineOut(BaseModel):
    occurred_on: date
    kind: str
    reference: str
    subject_id: UUID
    description: str
    price_band: str | None
    quantity: float
    unit_pence: int
    amount_pence: int
    invoice_number: str | None


class SummaryOut(BaseModel):
    places_member_pence: int
    places_non_member_pence: int
    places_released_pence: int
    late_cancellation_fees_pence: int
    no_show_fees_pence: int
    provider_cancellation_credits_pence: int
    sle_days_pence: int
    brokerage_fees_pence: int
    sle_days_credits_pence: int
    total_pence: int


class StatementOut(BaseModel):
    alliance_id: str
    school_urn: str
    school_name: str
    period_from: date
    period_to: date
    summary: SummaryOut
    lines: list[LineOut]


class SchoolTotalsOut(BaseModel):
    school_urn: str
    school_name: str
    summary: SummaryOut


class StatementsOut(BaseModel):
    alliance_id: str
    period_from: date
    period_to: date
    schools: list[SchoolTotalsOut]
    summary: SummaryOut


class IssueIn(BaseModel):
    """A school and a period (an alliance that invoices per period), or a booking (per booking)."""

    model_config = ConfigDict(extra="forbid")

    school_urn: Annotated[str, StringConstraints(pattern=r"^[0-9]{6,7}$")] | None = None
    period_from: date | None = None
    period_to: date | None = None
    booking_id: UUID | None = None


class InvoiceLineOut(BaseModel):
    line_no: int
    kind: str
    reference: str
    description: str
    occurred_on: date
    quantity: float
    unit_pence: int
    amount_pence: int


class InvoiceOut(BaseModel):
    id: UUID
    number: str
    kind: Literal["invoice", "credit_note"]
    alliance_id: str
    alliance_name: str
    alliance_address: str
    vat_registered: bool
    vat_number: str | None
    vat_rate_bp: int
    school_urn: str
    school_name: str
    school_address: str
    finance_contact_name: str | None
    finance_contact_email: str | None
    period_from: date | None
    period_to: date | None
    booking_id: UUID | None
    issued_on: date
    due_on: date
    net_pence: int
    vat_pence: int
    total_pence: int
    credits_invoice_id: UUID | None
    credited_by_id: UUID | None
    credited_by_number: str | None
    credits_invoice_number: str | None
    lines: list[InvoiceLineOut]
