"""The idea of now, injected into every service so tests move time instead of waiting for it."""

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class MovableClock:
    """Real time, unless a test pins it or moves it forward."""

    def __init__(self) -> None:
        self.pinned: datetime | None = None
        self.offset = timedelta(0)

    def now(self) -> datetime:
        return (self.pinned or datetime.now(UTC)) + self.offset

    def advance(self, delta: timedelta) -> None:
        self.offset += delta

    def reset(self) -> None:
        self.pinned = None
        self.offset = timedelta(0)
