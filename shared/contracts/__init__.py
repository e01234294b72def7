"""Event contracts. Importing this package registers every event type."""

from shared.contracts import bookings, brokerage, finance, staff

__all__ = ["bookings", "brokerage", "finance", "staff"]
