"""Working days in England and Wales: weekdays that are not bank holidays.

Bank holidays come from the maintained ``holidays`` package (including substitute days), not a
hand-typed list.
"""

from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

LONDON = ZoneInfo("Europe/London")


@lru_cache(maxsize=64)
def _bank_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year).keys())


def is_bank_holiday(day: date) -> bool:
    return day in _bank_holidays(day.year)


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and not is_bank_holiday(day)


def working_days_between(start: date, end: date) -> int:
    """Working days strictly after ``start`` and strictly before ``end`` (0 if none)."""
    count = 0
    day = start + timedelta(days=1)
    while day < end:
        if is_working_day(day):
            count += 1
        day += timedelta(days=1)
    return count


def london_date(moment: datetime) -> date:
    """The calendar date in England of an aware instant."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(LONDON).date()


def working_days_notice(cancelled_at: datetime, first_session_starts_at: datetime) -> int:
    """Notice given by a cancellation at ``cancelled_at``, in whole working days."""
    return working_days_between(london_date(cancelled_at), london_date(first_session_starts_at))
