"""Use cases against a PostgreSQL database of their own, with no broker: a mailer that records
what it is given (and fails for the addresses it is told to), and events recorded directly."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from uuid import UUID, uuid4

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.notifications.domain.messages import DeliveryError, Outgoing
from services.notifications.mail.rendering import Links, Renderer
from services.notifications.tables import notifications
from services.notifications.usecases.record import RecordNotifications
from shared.contracts.base import EventData
from tests.notifications.support import envelope

record = RecordNotifications(
    Renderer(Links(bookings="http://127.0.0.1:8001", brokerage="http://127.0.0.1:8002")),
    "odyssey.example",
)


@dataclass
class FakeMailer:
    """Takes every message, except those to addresses starting ``refused.`` (550, for good) or
    ``later.`` (451, for now)."""

    sent: list[Outgoing] = field(default_factory=list)
    tried: list[str] = field(default_factory=list)

    async def send(
        self, outgoing: Outgoing, accepted: Callable[[], Awaitable[None]] | None = None
    ) -> None:
        self.tried.append(outgoing.to_email)
        if outgoing.to_email.startswith("refused."):
            raise DeliveryError("SMTP 550: no such mailbox", permanent=True)
        if outgoing.to_email.startswith("later."):
            raise DeliveryError("SMTP 451: try again later", permanent=False)
        self.sent.append(outgoing)
        if accepted is not None:
            await accepted()

    def sent_to(self, address: str) -> list[Outgoing]:
        return [o for o in self.sent if o.to_email == address]


async def record_event(
    sessions: async_sessionmaker[AsyncSession], data: EventData, event_id: UUID | None = None
) -> UUID:
    event = envelope(data, event_id or uuid4())
    async with sessions() as session, session.begin():
        await record(session, event, data)
    return event.id


async def make_due(sessions: async_sessionmaker[AsyncSession], event_id: UUID) -> None:
    """Time moves on: the event's notifications waiting to be retried are due now."""
    async with sessions() as session, session.begin():
        await session.execute(
            update(notifications)
            .where(notifications.c.event_id == event_id)
            .values(next_attempt_at=notifications.c.created_at)
        )
