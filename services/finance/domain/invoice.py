"""Invoices: numbers, due dates, and the lines a credit note gives. Pure."""

from dataclasses import dataclass
from datetime import date, timedelta

from services.finance.domain.money import Totals, totals


def invoice_number(prefix: str, seq: int) -> str:
    """``INV-000042``: the alliance's prefix and its counter, six digits at least."""
    return f"{prefix}-{seq:06d}"


def due_on(issued_on: date, payment_terms_days: int) -> date:
    return issued_on + timedelta(days=payment_terms_days)


@dataclass(frozen=True)
class Terms:
    vat_registered: bool
    vat_rate_bp: int
    payment_terms_days: int


def invoice_totals(amounts: list[int], terms: Terms) -> Totals:
    return totals(amounts, vat_registered=terms.vat_registered, vat_rate_bp=terms.vat_rate_bp)


def credit_totals(net: int, vat: int, total: int) -> Totals:
    """A credit note reverses its invoice exactly: the same figures, negative (VAT is not
    recomputed, so a change of rate since cannot leave a penny behind)."""
    return Totals(-net, -vat, -total)


class NothingToInvoice(ValueError):
    pass
