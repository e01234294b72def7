"""Alliance staff as notifications knows them (from bookings' staff events, in order per
alliance), and who a signed-in person is here: staff of an alliance may read its log."""

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.notifications.tables import staff
from shared.identity import Identity, Person, Principal, Role
from shared.storage.staff_copy import StaffCopy

ROLES = {"administrator": Role.ALLIANCE_ADMIN, "coordinator": Role.COORDINATOR}
staff_copy = StaffCopy(staff)
keep_staff = staff_copy.keep


async def identity_of(sessions: async_sessionmaker[AsyncSession], person: Person) -> Identity:
    email = person.email.lower()
    async with sessions() as session:
        posts = await staff_copy.posts(session, email)
    hats = tuple(
        Principal(person.subject, frozenset({ROLES[p.role]}), p.alliance_id, email=email)
        for p in posts
        if p.role in ROLES
    )
    return Identity(person, hats)
