"""Who a signed-in person is in brokerage, from its own data: alliance staff (its copy, kept from
bookings' staff events, in order per alliance), an SLE (their directory entry names their email)
or the head of an SLE's home school (the entry names theirs)."""

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.brokerage import people_store as store
from services.brokerage.tables import staff
from shared.identity import Identity, Person, Principal, Role
from shared.storage.staff_copy import StaffCopy

ROLES = {"administrator": Role.ALLIANCE_ADMIN, "coordinator": Role.COORDINATOR}
staff_copy = StaffCopy(staff)
keep_staff = staff_copy.keep


async def identity_of(sessions: async_sessionmaker[AsyncSession], person: Person) -> Identity:
    email = person.email.lower()
    async with sessions() as session:
        entries = await store.directory_entries(session, email)
        posts = await staff_copy.posts(session, email)
    hats: dict[tuple[Role, str, str | None], Principal] = {}
    for post in posts:
        if post.role in ROLES:
            role = ROLES[post.role]
            hats[(role, post.alliance_id, None)] = Principal(
                person.subject, frozenset({role}), post.alliance_id, email=email
            )
    for entry in entries:
        if entry.email.lower() == email:
            key = (Role.SLE, entry.alliance_id, None)
            hats[key] = Principal(
                person.subject, frozenset({Role.SLE}), entry.alliance_id, email=email
            )
        if entry.home_head_email.lower() == email:
            key = (Role.SCHOOL_LEAD, entry.alliance_id, entry.home_school_urn)
            hats[key] = Principal(
                person.subject,
                frozenset({Role.SCHOOL_LEAD}),
                entry.alliance_id,
                school_urn=entry.home_school_urn,
                email=email,
            )
    return Identity(person, tuple(hats.values()))
