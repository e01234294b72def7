"""The money rules, pure: rounding, VAT per invoice, what each event puts on the ledger, and
the brokerage fee on the days delivered."""

from datetime import date
from decimal import Decimal
from uuid import uuid4

import pytest

from services.brokerage.domain.money import half_up, settle
from services.finance.domain.invoice import credit_totals, due_on, invoice_number
from services.finance.domain.ledger import Kind, entries_for
from services.finance.domain.money import half_up_div, pounds, totals
from services.finance.domain.statement import Line, summarise
from shared.contracts import bookings as b
from tests.notifications import factories as f

ON = date(2027, 1, 15)


@pytest.mark.parametrize(
    ("numerator", "denominator", "expected"),
    [(5, 10, 1), (4, 10, 0), (15, 10, 2), (-5, 10, -1), (-4, 10, 0), (199_000, 10_000, 20)],
)
def test_half_up_division(numerator: int, denominator: int, expected: int) -> None:
    assert half_up_div(numerator, denominator) == expected


def test_vat_is_on_the_invoice_total_not_per_line() -> None:
    # Three lines of 2p at 20%: 0.4p each would round to 0 per line; on the total, 6p -> 1.2p.
    assert totals([2, 2, 2], vat_registered=True, vat_rate_bp=2000).vat_pence == 1
    # A half penny of VAT rounds up: 12.5% of 4p.
    assert totals([4], vat_registered=True, vat_rate_bp=1250).vat_pence == 1
    unregistered = totals([99_500], vat_registered=False, vat_rate_bp=2000)
    assert (unregistered.net_pence, unregistered.vat_pence, unregistered.total_pence) == (
        99_500,
        0,
        99_500,
    )
    assert totals([99_500], vat_registered=True, vat_rate_bp=2000).total_pence == 119_400


def test_a_credit_note_reverses_the_invoice_to_the_penny() -> None:
    assert credit_totals(99_500, 19_900, 119_400) == totals(
        [-99_500], vat_registered=True, vat_rate_bp=2000
    )


def test_numbers_and_due_dates() -> None:
    assert invoice_number("MTSA", 7) == "MTSA-000007"
    assert invoice_number("INV", 1_234_567) == "INV-1234567"
    assert due_on(date(2027, 1, 31), 30) == date(2027, 3, 2)
    assert pounds(119_400) == "£1,194.00" and pounds(-250) == "-£2.50" and pounds(0) == "£0.00"


def test_the_brokerage_fee_is_on_the_days_delivered() -> None:
    # 2 of 3 agreed days at £350 and 10%: £700 for the days, £70 fee (not the £105 agreed).
    part = settle(2, 35_000, fixed_fee_pence=10_500, fee_percent=10)
    assert (part.sle_days_pence, part.brokerage_fee_pence, part.basis) == (70_000, 7_000, "percent")
    # Half a day at an odd rate: 0.5 x 35,001p = 17,500.5p -> 17,501p; 12.5% of the exact
    # 17,500.5p = 2,187.5625p -> 2,188p (rounded once, from the exact value).
    odd = settle(0.5, 35_001, fixed_fee_pence=0, fee_percent=Decimal("12.5"))
    assert (odd.sle_days_pence, odd.brokerage_fee_pence) == (17_501, 2_188)
    # A fixed fee is due in full once any day is delivered, and not at all for none.
    assert settle(1, 35_000, fixed_fee_pence=25_000, fee_percent=None).brokerage_fee_pence == 25_000
    assert settle(0, 35_000, fixed_fee_pence=25_000, fee_percent=None).brokerage_fee_pence == 0
    assert half_up(Decimal("-0.5")) == -1


def booking_event(kind: type, **extra: object) -> b.BookingCancelled:
    run = f.tag()
    booking = f.booking(run).model_copy(update={"price_pence": 9_000, "price_band": "member"})
    return kind(course=f.course(), booking=booking, **extra)


def test_a_confirmed_place_is_charged_once() -> None:
    confirmed = booking_event(b.BookingConfirmed)
    [place] = entries_for(confirmed, ON)
    assert (place.kind, place.amount_pence, place.price_band) == (Kind.PLACE, 9_000, "member")
    assert entries_for(confirmed, ON, place_charged=9_000) == []


def test_cancellations_release_the_place_and_charge_the_fee() -> None:
    late = booking_event(b.BookingCancelled, cancelled_by="school", fee_pence=4_500)
    assert [(e.kind, e.amount_pence) for e in entries_for(late, ON, 9_000)] == [
        (Kind.PLACE_RELEASED, -9_000),
        (Kind.LATE_CANCELLATION_FEE, 4_500),
    ]
    provider = booking_event(
        b.BookingCancelled, cancelled_by="alliance", fee_pence=0, course_cancelled=True
    )
    assert [(e.kind, e.amount_pence) for e in entries_for(provider, ON, 9_000)] == [
        (Kind.PROVIDER_CANCELLATION_CREDIT, -9_000)
    ]
    # From the waiting list nothing was charged, so nothing is given back.
    assert entries_for(provider, ON, 0) == []


def test_a_no_show_pays_the_fee_instead_of_the_place() -> None:
    no_show = booking_event(
        b.AttendanceConcluded,
        outcome="no_show",
        sessions_attended=0,
        sessions_total=1,
        hours_attended=0,
        fee_pence=9_000,
    )
    found = entries_for(no_show, ON, 9_000)
    assert [(e.kind, e.amount_pence) for e in found] == [
        (Kind.PLACE_RELEASED, -9_000),
        (Kind.NO_SHOW_FEE, 9_000),
    ]
    attended = no_show.model_copy(update={"outcome": "attended", "fee_pence": 0})
    assert entries_for(attended, ON, 9_000) == []


def test_a_statement_sums_by_kind_and_price() -> None:
    def line(kind: Kind, amount: int, band: str | None = None) -> Line:
        return Line(1, ON, kind, "REF", uuid4(), "Phonics", band, 1, amount, amount)

    summary = summarise(
        [
            line(Kind.PLACE, 9_000, "member"),
            line(Kind.PLACE, 12_000, "non_member"),
            line(Kind.PLACE_RELEASED, -9_000),
            line(Kind.LATE_CANCELLATION_FEE, 4_500),
        ]
    )
    assert summary.places_member_pence == 9_000
    assert summary.places_non_member_pence == 12_000
    assert summary.total_pence == 16_500
