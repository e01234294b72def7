"""Which money facts an event gives: pure, no I/O.

A place is charged at its price when it is confirmed. A later cancellation releases what the
place was charged (a provider's cancellation as a credit of its own) and charges the
cancellation fee, if any; a no-show releases the place and charges the no-show fee instead (so
a no-show at 100% costs the price once). A deployment that ends charges the requesting school
the SLE's days delivered and the brokerage fee, and credits the SLE's home school the days.
"""

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from uuid import UUID

from shared.contracts import bookings as b
from shared.contracts import brokerage as r
from shared.contracts.base import EventData


class Kind(StrEnum):
    PLACE = "place"
    PLACE_RELEASED = "place_released"
    LATE_CANCELLATION_FEE = "late_cancellation_fee"
    NO_SHOW_FEE = "no_show_fee"
    PROVIDER_CANCELLATION_CREDIT = "provider_cancellation_credit"
    SLE_DAYS = "sle_days"
    BROKERAGE_FEE = "brokerage_fee"
    SLE_DAYS_CREDIT = "sle_days_credit"


LABELS = {
    Kind.PLACE: "Place booked",
    Kind.PLACE_RELEASED: "Place released",
    Kind.LATE_CANCELLATION_FEE: "Late cancellation fee",
    Kind.NO_SHOW_FEE: "No-show fee",
    Kind.PROVIDER_CANCELLATION_CREDIT: "Credit: course cancelled by the provider",
    Kind.SLE_DAYS: "SLE days delivered",
    Kind.BROKERAGE_FEE: "Brokerage fee",
    Kind.SLE_DAYS_CREDIT: "Credit: SLE days delivered by your staff",
}

# Kinds that hold or give back a booking's place charge.
PLACE_KINDS = (Kind.PLACE, Kind.PLACE_RELEASED, Kind.PROVIDER_CANCELLATION_CREDIT)

MONEY_EVENTS: tuple[type[EventData], ...] = (
    b.BookingConfirmed,
    b.OfferAccepted,
    b.BookingCancelled,
    b.AttendanceConcluded,
    r.DeploymentSettled,
)


@dataclass(frozen=True)
class Entry:
    alliance_id: str
    school_urn: str
    school_name: str
    kind: Kind
    subject_id: UUID
    reference: str
    description: str
    amount_pence: int
    occurred_on: date
    unit_pence: int
    quantity: float = 1
    price_band: str | None = None


def booking_reference(booking_id: UUID) -> str:
    """A booking's short reference on statements: the start of its id, upper case."""
    return str(booking_id).split("-", 1)[0].upper()


def entries_for(data: EventData, on: date, place_charged: int = 0) -> list[Entry]:
    """The entries ``data`` gives on ``on``; ``place_charged`` is what the booking's place holds
    now (the sum of its place entries so far). Zero amounts give no entry."""
    if isinstance(data, r.DeploymentSettled):
        return _deployment(data, on)
    booking: b.BookingInfo = data.booking  # type: ignore[attr-defined]
    course: b.CourseInfo = data.course  # type: ignore[attr-defined]

    def entry(kind: Kind, amount: int, unit: int | None = None) -> Entry:
        return Entry(
            alliance_id=course.alliance_id,
            school_urn=booking.school.urn,
            school_name=booking.school.name,
            kind=kind,
            subject_id=booking.booking_id,
            reference=booking_reference(booking.booking_id),
            description=course.title,
            amount_pence=amount,
            occurred_on=on,
            unit_pence=amount if unit is None else unit,
            price_band=booking.price_band if kind is Kind.PLACE else None,
        )

    found: list[Entry] = []
    match data:
        case b.BookingConfirmed() | b.OfferAccepted():
            if place_charged == 0 and booking.price_pence:
                found.append(entry(Kind.PLACE, booking.price_pence))
        case b.BookingCancelled():
            if place_charged:
                kind = (
                    Kind.PROVIDER_CANCELLATION_CREDIT
                    if data.course_cancelled
                    else Kind.PLACE_RELEASED
                )
                found.append(entry(kind, -place_charged))
            if data.fee_pence:
                found.append(entry(Kind.LATE_CANCELLATION_FEE, data.fee_pence))
        case b.AttendanceConcluded(outcome="no_show"):
            if place_charged:
                found.append(entry(Kind.PLACE_RELEASED, -place_charged))
            if data.fee_pence:
                found.append(entry(Kind.NO_SHOW_FEE, data.fee_pence))
    return found


def _deployment(data: r.DeploymentSettled, on: date) -> list[Entry]:
    request, sle = data.request, data.sle

    def entry(school_urn: str, name: str, kind: Kind, amount: int, unit: int, qty: float) -> Entry:
        return Entry(
            alliance_id=request.alliance_id,
            school_urn=school_urn,
            school_name=name,
            kind=kind,
            subject_id=request.request_id,
            reference=request.reference,
            description=f"Support from {sle.person.name} (SLE)",
            amount_pence=amount,
            occurred_on=on,
            unit_pence=unit,
            quantity=qty,
        )

    days, rate = data.days_delivered, data.day_rate_pence
    school, home = request.school, sle.home_school
    found = []
    if data.sle_days_pence:
        found.append(entry(school.urn, school.name, Kind.SLE_DAYS, data.sle_days_pence, rate, days))
        found.append(
            entry(home.urn, home.name, Kind.SLE_DAYS_CREDIT, -data.sle_days_pence, -rate, days)
        )
    if data.brokerage_fee_pence:
        fee = data.brokerage_fee_pence
        found.append(entry(school.urn, school.name, Kind.BROKERAGE_FEE, fee, fee, 1))
    return found
