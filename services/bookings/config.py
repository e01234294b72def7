"""Settings only the bookings service reads (named, like every variable, in shared.settings)."""

from shared.settings import BookingsSettings as BookingsConfig

__all__ = ["BookingsConfig"]
