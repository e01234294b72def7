"""What the staff API answers with."""

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel

from services.notifications.usecases.staff_log import Status


class NotificationSummary(BaseModel):
    id: UUID
    event_id: UUID
    event_type: str
    event_subject: str | None
    recipient_email: str
    recipient_name: str
    recipient_kind: str
    template: str
    message_id: str
    subject: str
    status: Status
    attempts: int
    last_error: str | None
    created_at: datetime
    next_attempt_at: datetime
    sent_at: datetime | None
    failed_at: datetime | None
    course_id: UUID | None = None
    request_id: UUID | None = None
    request_reference: str | None = None


class NotificationDetail(NotificationSummary):
    body_text: str
    body_html: str


class NotificationList(BaseModel):
    items: list[NotificationSummary]
    total: int
    limit: int
    offset: int
