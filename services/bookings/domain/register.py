"""The register: sessions as times, how long each is, and what attendance makes of a booking."""

from datetime import datetime
from typing import Any

from services.bookings.domain.model import BookingStatus


def _moment(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def session_times(sessions: list[dict[str, Any]]) -> list[tuple[datetime, datetime]]:
    """(start, end) of each stored session, in the order they run."""
    return sorted((_moment(s["starts_at"]), _moment(s["ends_at"])) for s in sessions)


def hours(times: list[tuple[datetime, datetime]], indices: set[int]) -> float:
    """Hours of the sessions at ``indices``, to the quarter hour."""
    seconds = sum(
        (end - start).total_seconds() for i, (start, end) in enumerate(times) if i in indices
    )
    return round(seconds / 900) / 4


def outcome(sessions_attended: int, sessions_total: int) -> BookingStatus:
    if sessions_attended == 0:
        return BookingStatus.NO_SHOW
    if sessions_attended >= sessions_total:
        return BookingStatus.ATTENDED
    return BookingStatus.PARTLY_ATTENDED
