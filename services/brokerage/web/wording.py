"""How brokerage's values read on its signed-in pages: labels, days, money and dates."""

from collections.abc import Iterable
from datetime import date, datetime
from zoneinfo import ZoneInfo

from services.brokerage.domain.vocab import AREA_LABELS, PHASE_LABELS, Area, Phase

LONDON = ZoneInfo("Europe/London")

STATUS_LABELS = {
    "submitted": "New",
    "triaged": "Triaged",
    "matching": "Matching",
    "proposed": "SLE proposed",
    "accepted": "Accepted",
    "agreed": "Deployment agreed",
    "active": "Under way",
    "completed": "Completed",
    "evaluated": "Evaluated",
    "withdrawn": "Withdrawn",
    "cancelled": "Cancelled",
    "unmatched": "Unmatched",
}
# Each confirmation a proposal gathers: how it reads once given, and while awaited.
CONFIRMATION_LABELS = {
    "sle_accepted": ("The SLE has accepted", "Waiting for the SLE to accept"),
    "school_confirmed": ("The school has confirmed", "Waiting for the school to confirm"),
    "home_released": (
        "The home school has released the SLE",
        "Waiting for the home school to release the SLE",
    ),
}


def areas(values: Iterable[str]) -> str:
    return ", ".join(AREA_LABELS.get(Area(v), str(v)) for v in values)


def phases(values: Iterable[str]) -> str:
    return ", ".join(PHASE_LABELS.get(Phase(v), str(v)) for v in values)


def status(value: str) -> str:
    return STATUS_LABELS.get(value, value)


def days(value: float) -> str:
    return f"{value:g} day" + ("" if value == 1 else "s")


def money(pence: int) -> str:
    return f"£{pence / 100:,.2f}"


def day(value: date | datetime) -> str:
    if isinstance(value, datetime):
        value = value.astimezone(LONDON).date()
    return value.strftime("%-d %B %Y")


HELPERS = {
    "areas_text": areas,
    "phases_text": phases,
    "status_label": status,
    "days_text": days,
    "money": money,
    "day": day,
    "confirmation_labels": CONFIRMATION_LABELS,
}
