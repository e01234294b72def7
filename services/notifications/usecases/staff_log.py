"""Use case: the staff log of notifications: list and filter, read one, send a failed one again.

Staff (alliance administrators and coordinators) see their own alliance only; only an
administrator may send a failed notification again.
"""

from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, Literal, Self
from uuid import UUID

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.notifications import repository
from shared.errors import Conflict, Forbidden, NotFound
from shared.identity import Principal, Role

Status = Literal["pending", "sent", "failed"]
STATUSES: tuple[Status, ...] = ("pending", "sent", "failed")
STAFF = (Role.ALLIANCE_ADMIN, Role.COORDINATOR)


@dataclass(frozen=True)
class LogQuery:
    """Filters (``None``: any) and the page wanted."""

    recipient: str | None = None
    event_id: UUID | None = None
    status: Status | None = None
    event_type: str | None = None
    limit: int = 50
    offset: int = 0
    course_id: UUID | None = None
    # The support request: its id, or its reference (SR-2026-000123).
    request_id: UUID | None = None
    request_reference: str | None = None


@dataclass(frozen=True)
class NotificationView:
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
    course_id: UUID | None
    request_id: UUID | None
    request_reference: str | None

    @classmethod
    def of(cls, row: Row[Any]) -> Self:
        values = row._mapping
        return cls(**{f.name: values[f.name] for f in fields(cls)})


@dataclass(frozen=True)
class NotificationDetailView(NotificationView):
    body_text: str
    body_html: str


@dataclass(frozen=True)
class LogPage:
    items: list[NotificationView]
    total: int
    limit: int
    offset: int

    @property
    def previous_offset(self) -> int | None:
        return max(self.offset - self.limit, 0) if self.offset > 0 else None

    @property
    def page(self) -> int:
        return self.offset // self.limit + 1

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.limit))

    @property
    def next_offset(self) -> int | None:
        following = self.offset + self.limit
        return following if following < self.total else None


def _allow(principal: Principal, roles: tuple[Role, ...], what: str) -> None:
    if not principal.has(*roles):
        raise Forbidden(f"{what} is for {' and '.join(r.value for r in roles)} roles only")


class StaffLog:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        requeued: Callable[[], None] = lambda: None,
    ) -> None:
        self.sessions = sessions
        self.requeued = requeued

    async def list(self, principal: Principal, query: LogQuery) -> LogPage:
        _allow(principal, STAFF, "the notifications log")
        filters = repository.Filters(
            alliance_id=principal.alliance_id,
            recipient=query.recipient,
            event_id=query.event_id,
            status=query.status,
            event_type=query.event_type,
            course_id=query.course_id,
            request_id=query.request_id,
            request_reference=query.request_reference,
        )
        async with self.sessions() as session:
            rows, total = await repository.search(session, filters, query.limit, query.offset)
        return LogPage(
            items=[NotificationView.of(row) for row in rows],
            total=total,
            limit=query.limit,
            offset=query.offset,
        )

    async def get(self, principal: Principal, notification_id: UUID) -> NotificationDetailView:
        _allow(principal, STAFF, "the notifications log")
        async with self.sessions() as session:
            row = await repository.get(session, notification_id, principal.alliance_id)
        if row is None:
            raise NotFound(f"no notification {notification_id} in your alliance")
        return NotificationDetailView.of(row)

    async def retry(self, principal: Principal, notification_id: UUID) -> NotificationDetailView:
        """A failed notification goes back to pending, attempts counted afresh; the senders look."""
        _allow(principal, (Role.ALLIANCE_ADMIN,), "sending a notification again")
        async with self.sessions() as session, session.begin():
            row = await repository.get(session, notification_id, principal.alliance_id)
            if row is None:
                raise NotFound(f"no notification {notification_id} in your alliance")
            again = await repository.requeue(session, notification_id, principal.alliance_id)
            if again is None and row.bodies_removed_at is not None:
                raise Conflict(
                    f"notification {notification_id} can no longer be sent: its text was "
                    "removed when the retention period ended"
                )
            if again is None:
                raise Conflict(f"notification {notification_id} is {row.status}, not failed")
        self.requeued()
        return NotificationDetailView.of(again)
