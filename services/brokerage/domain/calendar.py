"""Working days in England (weekdays that are not bank holidays) and the academic year.

Bank holidays come from the maintained ``holidays`` package, not a hand-typed list.
"""

from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

ACADEMIC_YEAR_STARTS = (9, 1)  # 1 September
LONDON = ZoneInfo("Europe/London")


@lru_cache(maxsize=64)
def _bank_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year).keys())


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _bank_holidays(day.year)


def add_working_days(start: date, count: int) -> date:
    """The ``count``-th working day after ``start`` (``start`` itself is not counted)."""
    day = start
    while count > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            count -= 1
    return day


def academic_year(day: date) -> int:
    """The calendar year in which ``day``'s academic year began (1 September to 31 August)."""
    return day.year if (day.month, day.day) >= ACADEMIC_YEAR_STARTS else day.year - 1


def london_date(moment: datetime) -> date:
    """The calendar date in England of an aware instant."""
    return moment.astimezone(LONDON).date()
