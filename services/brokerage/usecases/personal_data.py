"""Brokerage's part of a personal-data request (erasure or export: ``personal_data_store``),
answered to bookings, and the retention of schools' contacts on finished requests."""

from dataclasses import dataclass
from datetime import timedelta

from services.brokerage import personal_data_store as store
from shared.contracts.privacy import BrokeragePersonalDataErased, BrokeragePersonalDataExported
from shared.messaging.personal_data import PersonalDataAnswers
from shared.runtime import ServiceRuntime


def answers(runtime: ServiceRuntime) -> PersonalDataAnswers:
    """The consumer's handler of ``PersonalDataRequested``."""
    return PersonalDataAnswers(
        service="brokerage",
        outbox=runtime.outbox,
        clock=runtime.clock,
        erase=store.erase,
        export=store.export,
        erased=BrokeragePersonalDataErased,
        exported=BrokeragePersonalDataExported,
    )


@dataclass(frozen=True)
class ContactRetention:
    """A pruning step: finished support requests unchanged for ``retention`` lose their school
    contact's name, role, email and phone."""

    runtime: ServiceRuntime
    retention: timedelta
    batch_size: int = 500

    async def step(self) -> bool:
        cutoff = self.runtime.clock.now() - self.retention
        async with self.runtime.transaction() as session:
            done = await store.anonymise_old_contacts(session, cutoff, self.batch_size)
        return done >= self.batch_size
