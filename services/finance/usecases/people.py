"""Who a signed-in person is here: an alliance's administrators (finance's copy of the staff,
from bookings' staff events) and the CPD lead or finance contact of a school it bills."""

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.finance import repository as repo
from services.finance.tables import staff
from shared.identity import Identity, Person, Principal, Role
from shared.storage.staff_copy import StaffCopy

staff_copy = StaffCopy(staff)
keep_staff = staff_copy.keep


async def identity_of(sessions: async_sessionmaker[AsyncSession], person: Person) -> Identity:
    email = person.email.lower()
    async with sessions() as session:
        posts = await staff_copy.posts(session, email)
        schools = await repo.schools_of_person(session, email)
    hats = [
        Principal(person.subject, frozenset({Role.ALLIANCE_ADMIN}), p.alliance_id, email=email)
        for p in posts
        if p.role == "administrator"
    ]
    hats += [
        Principal(
            person.subject,
            frozenset({Role.SCHOOL_LEAD}),
            s["alliance_id"],
            school_urn=s["urn"],
            email=email,
        )
        for s in schools
    ]
    return Identity(person, tuple(hats))
