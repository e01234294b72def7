"""Deployment terms and an SLE's days: the arithmetic behind agreeing, visiting and releasing."""

from dataclasses import dataclass
from datetime import date

from services.brokerage.domain.calendar import add_working_days
from services.brokerage.domain.vocab import is_half_day_step


class InvalidTerms(ValueError):
    pass


class NotEnoughDays(Exception):
    def __init__(self, days: float, days_left: float) -> None:
        self.days = days
        self.days_left = days_left
        super().__init__(
            f"the SLE has {days_left:g} day(s) left this year; {days:g} cannot be reserved"
        )


@dataclass(frozen=True)
class Terms:
    days: float
    day_rate_pence: int
    brokerage_fee_pence: int
    starts_on: date
    ends_on: date


def brokerage_fee(
    days: float, day_rate_pence: int, *, fixed_pence: int | None, percent: float | None
) -> int:
    """The alliance's fee: a fixed sum, or a percentage of the SLE's fee (rounded to a penny)."""
    if (fixed_pence is None) == (percent is None):
        raise InvalidTerms("give either brokerage_fee_pence or brokerage_fee_percent")
    if fixed_pence is not None:
        if fixed_pence < 0:
            raise InvalidTerms("brokerage_fee_pence cannot be negative")
        return fixed_pence
    assert percent is not None
    if not 0 <= percent <= 100:
        raise InvalidTerms("brokerage_fee_percent must be between 0 and 100")
    return round(days * day_rate_pence * percent / 100)


def make_terms(
    days: float,
    day_rate_pence: int,
    starts_on: date,
    ends_on: date,
    *,
    fee_pence: int | None = None,
    fee_percent: float | None = None,
) -> Terms:
    if not is_half_day_step(days):
        raise InvalidTerms("days must be at least 0.5, in half-day steps")
    if day_rate_pence < 0:
        raise InvalidTerms("day_rate_pence cannot be negative")
    if ends_on < starts_on:
        raise InvalidTerms("ends_on cannot be before starts_on")
    fee = brokerage_fee(days, day_rate_pence, fixed_pence=fee_pence, percent=fee_percent)
    return Terms(days, day_rate_pence, fee, starts_on, ends_on)


def reserve(days_available: float, days_committed: float, days: float) -> float:
    """The SLE's committed days after reserving ``days``; never more than they have."""
    left = days_available - days_committed
    if days > left:
        raise NotEnoughDays(days, left)
    return days_committed + days


def undelivered(days_agreed: float, days_delivered: float) -> float:
    """Days to give back to the SLE when a deployment ends early (never negative)."""
    return max(days_agreed - days_delivered, 0.0)


class VisitOutsideDeployment(InvalidTerms):
    """The visit's date is outside the deployment's dates, or has not come yet."""


def check_visit_date(visit_date: date, starts_on: date, ends_on: date, today: date) -> None:
    if not starts_on <= visit_date <= ends_on:
        raise VisitOutsideDeployment(
            f"the visit date must fall within the deployment, from {starts_on.isoformat()} "
            f"to {ends_on.isoformat()}"
        )
    if visit_date > today:
        raise VisitOutsideDeployment("a visit can be logged only once it has taken place")


def visit_log_due(ends_on: date, agreed_on: date, working_days: int) -> date:
    """The day by which every visit of a deployment ending ``ends_on`` must be logged: the
    ``working_days``-th working day after its last day, or after the day it was agreed if that
    came later (an agreement recorded after the fact still leaves time to log)."""
    return add_working_days(max(ends_on, agreed_on), working_days)


@dataclass(frozen=True)
class NewYear:
    days_available: float
    days_committed: float


def roll_over(days_available: float, running: list[tuple[float, float]]) -> NewYear:
    """An SLE's days on 1 September: the same allowance, with what their running deployments
    (``(agreed, delivered)`` each) have still to deliver carried as committed. Days delivered
    stay with the year they were delivered in; if the carried days exceed the allowance, the
    allowance grows to honour them (never over-committed)."""
    carried = sum(undelivered(agreed, delivered) for agreed, delivered in running)
    return NewYear(max(days_available, carried), carried)


def deliver(days_agreed: float, days_delivered: float, visit_days: float) -> float:
    """Days delivered after a visit of ``visit_days``; never past what was agreed."""
    if not is_half_day_step(visit_days):
        raise InvalidTerms("a visit is at least 0.5 days, in half-day steps")
    if days_delivered + visit_days > days_agreed:
        raise InvalidTerms(
            f"this visit would take the days delivered to {days_delivered + visit_days:g}, "
            f"past the {days_agreed:g} agreed"
        )
    return days_delivered + visit_days
