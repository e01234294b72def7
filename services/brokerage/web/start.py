"""Brokerage's start page: who is signed in and what their hats in brokerage's own data let
them do here (staff: requests and the directory; SLEs: proposals and deployments; home-school
heads: releases)."""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from services.brokerage.web.signed import head_hats, page, sle_hats, staff_hats
from shared.identity import Role
from shared.web.signin import SignedIn

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
async def start(request: Request, identity: SignedIn) -> HTMLResponse:
    staff = staff_hats(identity)
    return page(
        request,
        identity,
        "start.html",
        title="Start",
        staff=[(h.alliance_id, h.has(Role.ALLIANCE_ADMIN)) for h in staff],
        sles=[h.alliance_id for h in sle_hats(identity)],
        heads=[(h.alliance_id, h.school_urn) for h in head_hats(identity)],
    )
