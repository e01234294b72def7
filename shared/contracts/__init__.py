"""Event contracts. Importing this package registers every event type."""

from shared.contracts import bookings, brokerage, finance, privacy, staff

__all__ = ["bookings", "brokerage", "finance", "privacy", "staff"]
