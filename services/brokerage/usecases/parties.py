"""What each party sees of support requests: one request for whoever has a part in it (the
alliance's staff, the proposed or deployed SLE, that SLE's home-school head), and the lists an
SLE (proposals, deployments) and a home-school head (releases) work from."""

from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from services.brokerage import parties_store as store
from services.brokerage import repository as repo
from services.brokerage.domain.lifecycle import Status
from services.brokerage.usecases.access import is_home_head, is_staff_of, is_the_sle
from services.brokerage.usecases.context import Context
from services.brokerage.usecases.models import SupportRequestView
from services.brokerage.usecases.reading import present
from shared.errors import Forbidden, NotFound
from shared.identity import Principal, Role

DEPLOYED = (
    Status.AGREED,
    Status.ACTIVE,
    Status.COMPLETED,
    Status.EVALUATED,
    Status.CANCELLED,
    Status.WITHDRAWN,
)


@dataclass(frozen=True)
class PartyView:
    """A request and the hat the viewer wears for each part they have in it."""

    request: SupportRequestView
    staff: Principal | None
    sle: Principal | None
    home_head: Principal | None


async def request_for(ctx: Context, request_id: UUID, hats: Sequence[Principal]) -> PartyView:
    """The request, if one of ``hats`` has a part in it; another alliance's request is not
    found, one of the viewer's alliance they have no part in is forbidden."""
    async with ctx.runtime.sessions() as session:
        row = await repo.get_request(session, request_id)
        if row is None or not any(h.alliance_id == row["alliance_id"] for h in hats):
            raise NotFound("no such support request")
        sle = None
        if row["proposed_sle_id"] is not None:
            sle = await repo.get_sle(session, row["proposed_sle_id"], row["alliance_id"])
        staff = next((h for h in hats if is_staff_of(h, row["alliance_id"])), None)
        the_sle = next((h for h in hats if sle is not None and is_the_sle(h, sle)), None)
        head = next((h for h in hats if sle is not None and is_home_head(h, sle)), None)
        if staff is None and the_sle is None and head is None:
            raise Forbidden("you have no part in this support request")
        return PartyView(await present(session, row), staff, the_sle, head)


async def _naming_sle(
    ctx: Context, hat: Principal, statuses: Sequence[Status]
) -> list[SupportRequestView]:
    if not hat.has(Role.SLE) or not hat.email:
        return []
    async with ctx.runtime.sessions() as session:
        sle = await store.sle_entry(session, hat.alliance_id, hat.email)
        if sle is None:
            return []
        rows = await store.requests_naming_sle(
            session, hat.alliance_id, sle["id"], [s.value for s in statuses]
        )
        return [await present(session, r) for r in rows]


async def proposals_for(ctx: Context, hat: Principal) -> list[SupportRequestView]:
    """The requests proposed to the SLE ``hat`` names, until their deployment is agreed."""
    return await _naming_sle(ctx, hat, (Status.PROPOSED, Status.ACCEPTED))


async def deployments_for(ctx: Context, hat: Principal) -> list[SupportRequestView]:
    """The SLE's deployments (agreed, under way, or ended), most recently changed first."""
    views = await _naming_sle(ctx, hat, DEPLOYED)
    return [v for v in views if v.deployment is not None]


async def releases_for(ctx: Context, hat: Principal) -> list[SupportRequestView]:
    """Requests proposed to an SLE of the home school ``hat`` heads."""
    if not hat.has(Role.SCHOOL_LEAD) or not hat.school_urn:
        return []
    async with ctx.runtime.sessions() as session:
        rows = await store.requests_for_home_school(
            session, hat.alliance_id, hat.school_urn, [Status.PROPOSED.value]
        )
        return [await present(session, r) for r in rows]
