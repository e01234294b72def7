"""Notifications' part of a personal-data request (erasure or export: ``personal_data_store``),
answered to bookings, and how long the record of what was sent to whom is kept."""

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.notifications import personal_data_store as store
from shared.clock import Clock
from shared.contracts.privacy import (
    NotificationsPersonalDataErased,
    NotificationsPersonalDataExported,
)
from shared.messaging.outbox import Outbox
from shared.messaging.personal_data import PersonalDataAnswers


def answers(outbox: Outbox, clock: Clock) -> PersonalDataAnswers:
    """The consumer's handler of ``PersonalDataRequested``."""
    return PersonalDataAnswers(
        service="notifications",
        outbox=outbox,
        clock=clock,
        erase=store.erase,
        export=store.export,
        erased=NotificationsPersonalDataErased,
        exported=NotificationsPersonalDataExported,
    )


@dataclass(frozen=True)
class ErasedAddressRetention:
    """A pruning step: an erased address's hash is kept as long as inbox entries (the longest
    an old event may still be redelivered or replayed), then deleted."""

    sessions: async_sessionmaker[AsyncSession]
    clock: Clock
    retention: timedelta
    batch_size: int = 500

    async def step(self) -> bool:
        cutoff = self.clock.now() - self.retention
        async with self.sessions() as session, session.begin():
            deleted = await store.forget_old_erasures(session, cutoff, self.batch_size)
        return deleted >= self.batch_size


@dataclass(frozen=True)
class RecordRetention:
    """A pruning step: notifications sent or failed more than ``retention`` ago are deleted
    (who was sent what, and the address)."""

    sessions: async_sessionmaker[AsyncSession]
    clock: Clock
    retention: timedelta
    batch_size: int = 500

    async def step(self) -> bool:
        cutoff = self.clock.now() - self.retention
        async with self.sessions() as session, session.begin():
            deleted = await store.delete_old_records(session, cutoff, self.batch_size)
        return deleted >= self.batch_size
