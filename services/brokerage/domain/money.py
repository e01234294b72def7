"""What a deployment costs once it ends: the SLE's days delivered at the day rate, and the
alliance's brokerage fee, fixed or a percentage of those days. Integer pence, half up."""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal


def half_up(amount: Decimal) -> int:
    """To the nearest penny, halves away from zero (0.5p -> 1p, -0.5p -> -1p)."""
    return int(amount.quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class Settlement:
    days_delivered: float
    day_rate_pence: int
    sle_days_pence: int
    """What the school pays for the days, and what the SLE's home school is credited."""
    basis: str
    """"fixed" or "percent"."""
    percent: float | None
    brokerage_fee_pence: int


def settle(
    days_delivered: float,
    day_rate_pence: int,
    *,
    fixed_fee_pence: int,
    fee_percent: float | Decimal | None,
) -> Settlement:
    """The money of a deployment that delivered ``days_delivered`` (half-day steps).

    A percentage fee is that percentage of the exact value of the days delivered, rounded once;
    a fixed fee is due in full once any day was delivered, and nothing is due for none.
    """
    days = Decimal(str(days_delivered))
    exact = days * day_rate_pence
    sle_days = half_up(exact)
    if fee_percent is not None:
        percent = Decimal(str(fee_percent))
        fee = half_up(exact * percent / 100)
        return Settlement(days_delivered, day_rate_pence, sle_days, "percent", float(percent), fee)
    fee = fixed_fee_pence if days > 0 else 0
    return Settlement(days_delivered, day_rate_pence, sle_days, "fixed", None, fee)
