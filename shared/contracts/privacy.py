"""Personal-data requests (UK GDPR erasure and subject access) between the three services.

Bookings owns a request: it records it, does its own part and announces it
(``personal_data_requested``); brokerage and notifications each do theirs in their own store and
answer with ``personal_data_erased`` or ``personal_data_exported``; bookings collects the answers.

The request has to carry the email: it is the only key every service can find the person's data
by (a hash would do for an exact lookup, but not for the free text, JSON and event payloads the
services scrub). So everything here travels on a topic of its own, ``privacy.events.v1``, whose
retention is short (one day in ``deploy/kafka``) and whose key is the request id, never the
email; the CloudEvents subject is the request id too. Bookings removes the email from its own
copy of the request (its row and its outbox row) once every service has answered. An export's
data travels the same way, for the same short time.
"""

from datetime import datetime
from typing import Any, ClassVar, Literal
from uuid import UUID

from shared.contracts.base import EventData, event_type_name
from shared.contracts.topics import PRIVACY_EVENTS

RequestKind = Literal["erasure", "access"]
SERVICES = ("bookings", "brokerage", "notifications")
"""Every service that holds personal data and answers a request."""


class _PrivacyEvent(EventData):
    topic: ClassVar[str] = PRIVACY_EVENTS
    key_field: ClassVar[str] = "request_id"

    request_id: UUID
    at: datetime

    def subject(self) -> str:
        return f"personal-data/{self.request_id}"


class PersonalDataRequested(_PrivacyEvent):
    """Erase, or export, what each service holds about ``email``. ``alliance_id`` limits an
    export to that alliance's data (an administrator asked); null means everything (the person
    asked for their own). Erasure is always everywhere."""

    event_type: ClassVar[str] = event_type_name("bookings", "personal_data_requested")
    kind: RequestKind
    email: str
    alliance_id: str | None = None


class _Erased(_PrivacyEvent):
    service: str
    rows: int = 0
    """How many rows were changed or removed."""


class _Exported(_PrivacyEvent):
    service: str
    data: dict[str, Any]
    """Table name -> the rows that name the person, as JSON."""
    truncated: bool = False


class BrokeragePersonalDataErased(_Erased):
    event_type: ClassVar[str] = event_type_name("brokerage", "personal_data_erased")


class BrokeragePersonalDataExported(_Exported):
    event_type: ClassVar[str] = event_type_name("brokerage", "personal_data_exported")


class NotificationsPersonalDataErased(_Erased):
    event_type: ClassVar[str] = event_type_name("notifications", "personal_data_erased")


class NotificationsPersonalDataExported(_Exported):
    event_type: ClassVar[str] = event_type_name("notifications", "personal_data_exported")


ANSWERS: tuple[type[EventData], ...] = (
    BrokeragePersonalDataErased,
    BrokeragePersonalDataExported,
    NotificationsPersonalDataErased,
    NotificationsPersonalDataExported,
)
