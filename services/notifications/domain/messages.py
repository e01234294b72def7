"""What is recorded for each person an event reaches, what is sent, and how a send can fail."""

import re
from dataclasses import dataclass
from uuid import UUID

# Control characters (CR and LF among them) and the Unicode line and paragraph separators.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
_SPACES = re.compile(r"\s+")


def header_text(text: str) -> str:
    """Text safe in one email header: every control character and run of spaces becomes one space.

    A name or title can come from anywhere upstream; in a header a CR or LF would end the header
    and start another (``\\r\\nBcc: ...``), and the email package refuses such a value outright.
    """
    return _SPACES.sub(" ", _CONTROL.sub(" ", text)).strip()


@dataclass(frozen=True)
class NewNotification:
    """One message to one person because of one event, as first recorded (pending)."""

    id: UUID
    alliance_id: str
    event_id: UUID
    event_type: str
    event_subject: str | None
    recipient_email: str
    recipient_name: str
    recipient_kind: str
    template: str
    message_id: str
    subject: str
    body_text: str
    body_html: str
    course_id: UUID | None = None
    request_id: UUID | None = None
    request_reference: str | None = None


@dataclass(frozen=True)
class Outgoing:
    """A message ready for the mailer."""

    message_id: str
    to_name: str
    to_email: str
    subject: str
    text: str
    html: str


class DeliveryError(Exception):
    """A send that did not happen; ``permanent`` when trying again cannot help (5xx)."""

    def __init__(self, reason: str, *, permanent: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
