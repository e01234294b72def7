"""Use cases on the school's private link beyond issuing it: is a link still good (its
signature, its age and the request's current generation), a coordinator revokes a request's
link, and the school asks for a fresh one by the request's reference and contact email.

Revoking and issuing afresh both move the request to the next link generation, so every link
sent before stops working at once; a fresh link reaches the school only by email, through the
``school_link_issued`` event (sealed, like every link in an event)."""

from dataclasses import dataclass
from uuid import UUID

from services.brokerage import repository as repo
from services.brokerage.published import request_info
from services.brokerage.usecases.access import is_staff_of
from services.brokerage.usecases.context import Context
from services.brokerage.usecases.links import LinkState
from shared.contracts.brokerage import SchoolLinkIssued
from shared.errors import NotFound
from shared.identity import Principal


@dataclass(frozen=True)
class LinkRevoked:
    request_id: UUID
    reference: str
    generation: int


async def state(ctx: Context, request_id: UUID, token: str | None) -> LinkState:
    """What a link shown for ``request_id`` is worth now."""
    if not token:
        return LinkState.INVALID
    async with ctx.runtime.sessions() as session:
        generation = await repo.school_link_generation(session, request_id)
    if generation is None:
        return LinkState.INVALID
    return ctx.links.check(request_id, token, generation)


async def revoke(ctx: Context, principal: Principal, request_id: UUID) -> LinkRevoked:
    """Every link the school was sent for this request stops working; the next email to the
    school (or a fresh link it asks for) carries a new one. For the alliance's staff only."""
    async with ctx.runtime.transaction() as session:
        request = await ctx.lock_request(session, request_id)
        if request is None or not is_staff_of(principal, request["alliance_id"]):
            raise NotFound("no such support request")
        generation = request["school_link_generation"] + 1
        await repo.update_request(session, request_id, school_link_generation=generation)
    return LinkRevoked(request_id, request["reference"], generation)


def _same_email(given: str, stored: str) -> bool:
    return given.strip().casefold() == stored.strip().casefold()


async def send_fresh(ctx: Context, reference: str, contact_email: str) -> bool:
    """If ``reference`` names a request whose contact email is ``contact_email``, revoke its
    links and email the contact a fresh one. Whether it did is for tests and logs only: the
    school must be answered the same either way."""
    async with ctx.runtime.transaction() as session:
        found = await repo.find_request_by_reference(session, reference.strip().upper())
        if found is None or not _same_email(contact_email, found["contact_email"]):
            return False
        request = await ctx.lock_request(session, found["id"])
        if request is None:
            return False
        generation = request["school_link_generation"] + 1
        await repo.update_request(session, request["id"], school_link_generation=generation)
        alliance = await repo.get_alliance(session, request["alliance_id"])
        assert alliance is not None
        await ctx.runtime.outbox.add(
            session,
            SchoolLinkIssued(
                request=request_info(request, alliance, ctx.staff_url(request["id"])),
                school_link_sealed=ctx.links.sealed_school_url(request["id"], generation),
            ),
        )
    return True
