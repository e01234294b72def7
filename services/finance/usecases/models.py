"""Inputs and read models of finance's use cases."""

from dataclasses import dataclass, field
from datetime import date
from uuid import UUID


@dataclass(frozen=True)
class AllianceBilling:
    name: str
    address: str = ""
    vat_registered: bool = False
    vat_number: str | None = None
    vat_rate_bp: int = 2000
    payment_terms_days: int = 30
    invoice_per: str = "period"
    number_prefix: str = "INV"


@dataclass(frozen=True)
class SchoolBilling:
    name: str
    address: str = ""
    finance_contact_name: str | None = None
    finance_contact_email: str | None = None


@dataclass(frozen=True)
class SchoolView:
    urn: str
    name: str
    address: str
    finance_contact_name: str | None
    finance_contact_email: str | None


@dataclass(frozen=True)
class IssueRequest:
    school_urn: str | None = None
    period_from: date | None = None
    period_to: date | None = None
    booking_id: UUID | None = None


@dataclass(frozen=True)
class InvoiceLineView:
    line_no: int
    kind: str
    reference: str
    description: str
    occurred_on: date
    quantity: float
    unit_pence: int
    amount_pence: int


@dataclass(frozen=True)
class InvoiceView:
    id: UUID
    number: str
    kind: str
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
    credits_invoice_id: UUID | None = None
    credited_by_id: UUID | None = None
    credited_by_number: str | None = None
    credits_invoice_number: str | None = None
    lines: list[InvoiceLineView] = field(default_factory=list)
