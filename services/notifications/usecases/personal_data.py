"""Notifications' part of a personal-data request (erasure or export: ``personal_data_store``),
answered to bookings, and how long the record of what was sent to whom is kept."""

from dataclasses import dataclass
from datetime import timedelta

from services.notifications import personal_data_store as store
from shared.contracts.privacy import (
    NotificationsPersonalDataErased,
    NotificationsPersonalDataExported,
)
from shared.messaging.personal_data import PersonalDataAnswers
from shared.runtime import ServiceRuntime


def answers(runtime: ServiceRuntime) -> PersonalDataAnswers:
    """The consumer's handler of ``PersonalDataRequested``."""
    return PersonalDataAnswers(
        service="notifications",
        outbox=runtime.outbox,
        clock=runtime.clock,
        erase=store.erase,
        export=store.export,
        erased=NotificationsPersonalDataErased,
        exported=NotificationsPersonalDataExported,
    )


@dataclass(frozen=True)
class RecordRetention:
    """A pruning step: notifications sent or failed more than ``retention`` ago are deleted
    (who was sent what, and the address)."""

    runtime: ServiceRuntime
    retention: timedelta
    batch_size: int = 500

    async def step(self) -> bool:
        cutoff = self.runtime.clock.now() - self.retention
        async with self.runtime.transaction() as session:
            deleted = await store.delete_old_records(session, cutoff, self.batch_size)
        return deleted >= self.batch_size
