"""One support request's page, ``/requests/{id}``, for everyone with a part in it: the alliance's
staff (triage, matching with the explained shortlist, proposing, the deployment, the exits),
the proposed SLE (accept or decline, log visits) and their home-school head (release). Each
sees the actions their part allows now; the forms post to ``coordinator`` and ``sle``."""

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from services.brokerage.domain.lifecycle import OPEN, Status
from services.brokerage.usecases import parties, reading
from services.brokerage.usecases.parties import PartyView
from services.brokerage.web.pages import context_of
from services.brokerage.web.signed import RequestId, page, refused
from services.brokerage.web.wording import CONFIRMATION_LABELS
from shared.errors import DomainError
from shared.identity import Identity
from shared.web.signin import SignedIn

router = APIRouter(include_in_schema=False)

PRIORITIES = [("low", "Low"), ("normal", "Normal"), ("high", "High"), ("urgent", "Urgent")]
DONE = {
    "triaged": "Request triaged.",
    "matching": "Matching started: choose an SLE from the shortlist.",
    "proposed": "SLE proposed: the SLE, the school and the SLE's home school have been told.",
    "agreed": "Deployment agreed: the SLE's days are reserved.",
    "completed": "Deployment completed: any days not delivered have gone back to the SLE.",
    "cancelled": "Request cancelled.",
    "unmatched": "Request closed as unmatched.",
    "accepted": "You have accepted: the coordinator has been told.",
    "declined": "You have declined: the coordinator will look for another SLE.",
    "released": "You have released the SLE for this support.",
    "visit": "Visit logged.",
    "recorded": "Confirmation recorded.",
}


def actions(view: PartyView) -> dict[str, bool]:
    """What this viewer may do on the request now, by their part in it."""
    r = view.request
    state = Status(r.status)
    staff, sle, head = view.staff is not None, view.sle is not None, view.home_head is not None
    return {
        "triage": staff and state is Status.SUBMITTED,
        "start_matching": staff and state is Status.TRIAGED,
        "propose": staff and state is Status.MATCHING,
        "unmatched": staff and state is Status.MATCHING,
        "record": staff and state is Status.PROPOSED,
        "agree": staff and state is Status.ACCEPTED,
        "complete": staff and state is Status.ACTIVE,
        "cancel": staff and state in OPEN,
        "accept": sle and state is Status.PROPOSED and "sle_accepted" not in r.confirmations,
        "decline": sle and state is Status.PROPOSED and "sle_accepted" not in r.confirmations,
        "release": head and state is Status.PROPOSED and "home_released" not in r.confirmations,
        "log_visit": (staff or sle) and state in (Status.AGREED, Status.ACTIVE),
    }


async def show(
    request: Request,
    identity: Identity,
    request_id: UUID,
    *,
    status: int = 200,
    **extra: Any,
) -> HTMLResponse:
    """The request's page (with a form's errors or a refusal, when given in ``extra``)."""
    ctx = context_of(request)
    try:
        view = await parties.request_for(ctx, request_id, identity.principals)
    except DomainError as exc:
        return refused(request, identity, exc)
    may = actions(view)
    shortlist = None
    if may["propose"]:
        shortlist = await reading.shortlist_for(ctx, request_id, view.request.alliance_id)
    done = request.query_params.get("done")
    return page(
        request,
        identity,
        "request.html",
        status=status,
        title=f"Support request {view.request.reference}",
        request=view.request,
        party=view,
        may=may,
        shortlist=shortlist,
        priorities=PRIORITIES,
        awaited=[
            (key, given)
            for key, (given, _) in CONFIRMATION_LABELS.items()
            if key not in view.request.confirmations
        ],
        notice=DONE.get(done or ""),
        **extra,
    )


@router.get("/requests/{request_id}", response_class=HTMLResponse)
async def request_page(request: Request, request_id: RequestId, identity: SignedIn) -> HTMLResponse:
    return await show(request, identity, request_id)
