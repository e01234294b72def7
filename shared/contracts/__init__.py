"""Event contracts. Importing this package registers every event type."""

from shared.contracts import bookings, brokerage

__all__ = ["bookings", "brokerage"]
