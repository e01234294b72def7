"""Alliance staff, kept by bookings (each alliance's administrators manage them), on
``bookings.events.v1`` keyed by alliance id so the changes to one alliance's staff stay in order.

Brokerage (coordinators) and notifications (staff who read the log) keep their own copy from
these: appointed (new, or a new role) and removed.
"""

from datetime import datetime
from typing import ClassVar, Literal

from shared.contracts.base import EventData, event_type_name
from shared.contracts.topics import BOOKINGS_EVENTS

StaffRole = Literal["administrator", "coordinator"]


class _StaffEvent(EventData):
    topic: ClassVar[str] = BOOKINGS_EVENTS
    key_field: ClassVar[str] = "alliance_id"

    alliance_id: str
    email: str
    at: datetime

    def subject(self) -> str:
        return f"staff/{self.alliance_id}/{self.email}"


class StaffMemberAppointed(_StaffEvent):
    """``email`` now holds ``role`` in the alliance (newly invited, or a changed role)."""

    event_type: ClassVar[str] = event_type_name("bookings", "staff_member_appointed")
    role: StaffRole
    name: str | None = None


class StaffMemberRemoved(_StaffEvent):
    event_type: ClassVar[str] = event_type_name("bookings", "staff_member_removed")
