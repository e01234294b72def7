"""Who a signed-in person is in bookings, from bookings' own data: the alliances whose staff
they are (and as what), the schools whose record names them CPD lead, the bookings made for
their email. The identity provider only told us their email."""

from collections import defaultdict

from services.bookings import staff_store as store
from services.bookings.domain.staff import StaffRole
from services.bookings.usecases.context import BookingsContext
from shared.identity import Identity, Person, Principal, Role


async def identity_of(ctx: BookingsContext, person: Person) -> Identity:
    email = person.email.lower()
    async with ctx.runtime.sessions() as session:
        posts = await store.staff_posts(session, email)
        schools = await store.led_schools(session, email)
        booked = await store.participations(session, email)
    roles: dict[str, set[Role]] = defaultdict(set)
    for post in posts:
        roles[post.alliance_id].add(StaffRole(post.role).role)
    hats = [
        Principal(person.subject, frozenset(r), alliance, email=email)
        for alliance, r in sorted(roles.items())
    ]
    for school in schools:
        hats.append(
            Principal(
                person.subject,
                frozenset({Role.SCHOOL_LEAD}),
                school.registered_by_alliance or "",
                school_urn=school.urn,
                email=email,
            )
        )
    for alliance, urn in booked:
        hats.append(
            Principal(
                person.subject, frozenset({Role.PARTICIPANT}), alliance, school_urn=urn, email=email
            )
        )
    return Identity(person, tuple(hats))
