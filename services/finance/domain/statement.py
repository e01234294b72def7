"""A school's statement for a period: its money facts, totals by kind, and what it owes."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from uuid import UUID

from services.finance.domain.ledger import Kind


@dataclass(frozen=True)
class Line:
    entry_id: int
    occurred_on: date
    kind: Kind
    reference: str
    subject_id: UUID
    description: str
    price_band: str | None
    quantity: float
    unit_pence: int
    amount_pence: int
    invoice_number: str | None = None


@dataclass(frozen=True)
class Summary:
    """Totals by kind (pence); places split by the price paid."""

    places_member_pence: int = 0
    places_non_member_pence: int = 0
    places_released_pence: int = 0
    late_cancellation_fees_pence: int = 0
    no_show_fees_pence: int = 0
    provider_cancellation_credits_pence: int = 0
    sle_days_pence: int = 0
    brokerage_fees_pence: int = 0
    sle_days_credits_pence: int = 0
    total_pence: int = 0


FIELD_OF = {
    Kind.PLACE_RELEASED: "places_released_pence",
    Kind.LATE_CANCELLATION_FEE: "late_cancellation_fees_pence",
    Kind.NO_SHOW_FEE: "no_show_fees_pence",
    Kind.PROVIDER_CANCELLATION_CREDIT: "provider_cancellation_credits_pence",
    Kind.SLE_DAYS: "sle_days_pence",
    Kind.BROKERAGE_FEE: "brokerage_fees_pence",
    Kind.SLE_DAYS_CREDIT: "sle_days_credits_pence",
}

SUMMARY_LABELS = {
    "places_member_pence": "Places at the member price",
    "places_non_member_pence": "Places at the non-member price",
    "places_released_pence": "Places released (cancelled or not attended)",
    "late_cancellation_fees_pence": "Late cancellation fees",
    "no_show_fees_pence": "No-show fees",
    "provider_cancellation_credits_pence": "Credits for courses cancelled by the provider",
    "sle_days_pence": "SLE days delivered",
    "brokerage_fees_pence": "Brokerage fees",
    "sle_days_credits_pence": "Credits for SLE days your staff delivered",
    "total_pence": "Total",
}


def field_of(line: Line) -> str:
    if line.kind is Kind.PLACE:
        return (
            "places_non_member_pence" if line.price_band == "non_member" else "places_member_pence"
        )
    return FIELD_OF[line.kind]


def summarise(lines: Iterable[Line]) -> Summary:
    sums: dict[str, int] = {}
    total = 0
    for line in lines:
        key = field_of(line)
        sums[key] = sums.get(key, 0) + line.amount_pence
        total += line.amount_pence
    return Summary(**sums, total_pence=total)


@dataclass(frozen=True)
class Statement:
    alliance_id: str
    school_urn: str
    school_name: str
    period_from: date
    period_to: date
    lines: list[Line] = field(default_factory=list)
    summary: Summary = field(default_factory=Summary)


def check_period(period_from: date, period_to: date) -> None:
    if period_to < period_from:
        raise ValueError("the period cannot end before it starts")
    if (period_to - period_from).days > 366:
        raise ValueError("a period is at most a year")
