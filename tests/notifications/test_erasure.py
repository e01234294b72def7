"""An event from before an erasure that arrives after it (another topic, a replay) is not mailed
to the erased address; one from after it is (the person came back)."""

from datetime import timedelta
from uuid import UUID, uuid4

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.notifications import personal_data_store as store
from services.notifications.tables import erased_addresses, notifications
from tests.notifications import factories
from tests.notifications.support import envelope
from tests.notifications.usecase_support import record


async def recipients_of(sessions: async_sessionmaker[AsyncSession], event_id: UUID) -> set[str]:
    async with sessions() as session:
        query = select(notifications.c.recipient_email).where(notifications.c.event_id == event_id)
        return set((await session.execute(query)).scalars())


async def test_a_late_event_from_before_the_erasure_is_not_mailed_to_the_erased(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    data = factories.confirmed()
    participant = data.booking.participant.email.lower()
    lead = data.booking.cpd_lead.email.lower()
    before = envelope(data, uuid4())
    after = envelope(data, uuid4())
    after = after.model_copy(update={"time": before.time + timedelta(minutes=5)})
    handler = record

    async with sessions() as session, session.begin():
        await store.erase(session, participant, before.time + timedelta(minutes=1))
    async with sessions() as session:
        stored = (await session.execute(select(erased_addresses.c.address_hash))).scalars().all()
    assert store.address_hash(participant) in stored
    assert participant not in str(stored)

    async with sessions() as session, session.begin():
        await handler(session, before, data)
        await handler(session, after, data)

    assert await recipients_of(sessions, before.id) == {lead}
    assert await recipients_of(sessions, after.id) == {lead, participant}
