"""The school CPD lead's pages: the school's bookings (upcoming and started) and its approval
queue. Who leads a school is what its record names (``usecases.people``); anyone else gets a
refusal page and none of the school's data. The actions (approve, decline with a reason, cancel
with the fee shown, substitute, accept or decline an offer) are on each booking's page
(``places``), where the queue's buttons post."""

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse

from services.bookings.api.deps import Ctx
from services.bookings.usecases import places
from services.bookings.web.places import DONE, page
from services.bookings.web.refusals import PageRoute
from shared.errors import Forbidden
from shared.identity import Identity, Principal, Role
from shared.web.signin import SignedIn

router = APIRouter(include_in_schema=False, route_class=PageRoute)
SchoolUrn = Annotated[str, Path(pattern=r"^\d{6}$")]


def lead_of(identity: Identity, urn: str) -> Principal:
    hat = identity.acting_as(Role.SCHOOL_LEAD, school_urn=urn)
    if hat is None:
        raise Forbidden(f"only the CPD lead that school {urn}'s record names sees its bookings")
    return hat


@router.get("/school/{urn}/bookings", response_class=HTMLResponse)
async def school_bookings(
    request: Request, ctx: Ctx, identity: SignedIn, urn: SchoolUrn, done: str = ""
) -> HTMLResponse:
    found = await places.school_places(ctx, lead_of(identity, urn), urn)
    return page(request, "school/bookings.html", urn=urn, places=found, done=DONE.get(done))


@router.get("/school/{urn}/approvals", response_class=HTMLResponse)
async def approvals(
    request: Request, ctx: Ctx, identity: SignedIn, urn: SchoolUrn, done: str = ""
) -> HTMLResponse:
    queue = await places.approval_queue(ctx, lead_of(identity, urn), urn)
    return page(request, "school/approvals.html", urn=urn, queue=queue, done=DONE.get(done))
