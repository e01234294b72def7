"""Money rules: integer pence throughout; VAT once per invoice on its net total, half up.

Written down in services/finance/README.md ("Money and rounding") and tested there.
"""

from dataclasses import dataclass


def half_up_div(numerator: int, denominator: int) -> int:
    """``numerator / denominator`` to the nearest integer, halves away from zero."""
    if denominator <= 0:
        raise ValueError("denominator must be positive")
    sign = -1 if numerator < 0 else 1
    return sign * ((abs(numerator) * 2 + denominator) // (2 * denominator))


@dataclass(frozen=True)
class Totals:
    net_pence: int
    vat_pence: int
    total_pence: int


def totals(amounts: list[int], *, vat_registered: bool, vat_rate_bp: int) -> Totals:
    """An invoice's totals: the lines' sum, VAT on that sum (not per line) rounded half up to a
    penny, nothing when the alliance is not registered for VAT."""
    net = sum(amounts)
    vat = half_up_div(net * vat_rate_bp, 10_000) if vat_registered else 0
    return Totals(net, vat, net + vat)


def pounds(pence: int) -> str:
    """1234567 -> "£12,345.67"; -250 -> "-£2.50"."""
    sign = "-" if pence < 0 else ""
    whole, part = divmod(abs(pence), 100)
    return f"{sign}£{whole:,}.{part:02d}"
