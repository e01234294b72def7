"""Alliance staff as notifications knows them (from bookings' staff events, in order per
alliance), and who a signed-in person is here: staff of an alliance may read its log."""

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.notifications import staff_store as store
from shared.contracts.base import EventData
from shared.contracts.envelope import CloudEvent
from shared.contracts.staff import StaffMemberAppointed, StaffMemberRemoved
from shared.identity import Identity, Person, Principal, Role

ROLES = {"administrator": Role.ALLIANCE_ADMIN, "coordinator": Role.COORDINATOR}


async def keep_staff(session: AsyncSession, _: CloudEvent, data: EventData) -> None:
    """The consumer's handler of staff events."""
    if isinstance(data, StaffMemberAppointed):
        await store.put(session, data.alliance_id, data.email.lower(), data.role)
    elif isinstance(data, StaffMemberRemoved):
        await store.remove(session, data.alliance_id, data.email.lower())


async def identity_of(sessions: async_sessionmaker[AsyncSession], person: Person) -> Identity:
    email = person.email.lower()
    async with sessions() as session:
        posts = await store.posts(session, email)
    hats = tuple(
        Principal(person.subject, frozenset({ROLES[p.role]}), p.alliance_id, email=email)
        for p in posts
        if p.role in ROLES
    )
    return Identity(person, hats)
