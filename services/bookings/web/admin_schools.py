"""The alliance's member schools: add one by URN (registering it first when nobody has), change
a school's record, end a membership (asked first: its schools pay the non-member price).

A school's record (its name, its CPD lead, whether bookings need approval) is kept by its own
CPD lead and the administrators of the alliance that registered it; membership gives the
member price, never the record. The use cases refuse the rest and the page says why.
"""

import re
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from services.bookings.api.deps import Ctx
from services.bookings.usecases import schools as uc
from services.bookings.usecases.inputs import SchoolDetails
from services.bookings.web.admin_common import AllianceAdmin, admin_page, check_csrf
from services.bookings.web.refusals import PageRoute
from shared.errors import Forbidden, NotFound
from shared.identity import Principal

router = APIRouter(include_in_schema=False, route_class=PageRoute)
URN = re.compile(r"^\d{6}$")
DONE = {
    "added": "School added: its bookings now pay the member price.",
    "removed": "Membership ended: its new bookings pay the non-member price.",
    "changed": "The school's record is saved.",
}
MESSAGES = {
    "name": "Enter the school's name (one line, 200 characters or fewer)",
    "cpd_lead_name": "Enter the CPD lead's name (one line, 200 characters or fewer)",
    "cpd_lead_email": (
        "Enter the CPD lead's email address in the correct format, like name@school.org"
    ),
}
Text = Annotated[str, Form(max_length=1000)]


def _back(alliance_id: str, done: str) -> RedirectResponse:
    return RedirectResponse(f"/admin/{alliance_id}/schools?done={done}", status_code=303)


async def _list_page(
    request: Request,
    ctx: Ctx,
    principal: Principal,
    *,
    urn: str = "",
    errors: dict[str, str] | None = None,
    done: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    members = await uc.list_members(ctx, principal, principal.alliance_id)
    return admin_page(
        request,
        "admin/schools.html",
        principal,
        status,
        members=members,
        urn=urn,
        errors=errors,
        done=done,
    )


@router.get("/admin/{alliance_id}/schools", response_class=HTMLResponse)
async def schools_page(
    request: Request, ctx: Ctx, principal: AllianceAdmin, alliance_id: str, done: str = ""
) -> HTMLResponse:
    return await _list_page(request, ctx, principal, done=DONE.get(done))


@router.post("/admin/{alliance_id}/schools", response_class=HTMLResponse)
async def add_school(
    request: Request,
    ctx: Ctx,
    principal: AllianceAdmin,
    alliance_id: str,
    csrf_token: Text = "",
    urn: Text = "",
) -> Response:
    check_csrf(request, csrf_token)
    urn = urn.strip()
    if not URN.match(urn):
        errors = {"urn": "Enter the school's URN: 6 digits, like 115678"}
        return await _list_page(request, ctx, principal, urn=urn, errors=errors, status=422)
    try:
        await uc.add_member(ctx, principal, alliance_id, urn)
    except NotFound:
        return _school_form(request, principal, urn, {"requires_approval": ""}, None, new=True)
    return _back(alliance_id, "added")


def _school_form(
    request: Request,
    principal: Principal,
    urn: str,
    values: dict[str, str],
    errors: dict[str, str] | None,
    *,
    new: bool,
    status: int = 200,
) -> HTMLResponse:
    return admin_page(
        request,
        "admin/school.html",
        principal,
        status,
        urn=urn,
        values=values,
        errors=errors,
        new=new,
    )


def _details(values: dict[str, str]) -> tuple[SchoolDetails | None, dict[str, str]]:
    try:
        details = SchoolDetails.model_validate(
            {**values, "requires_approval": values["requires_approval"] == "yes"}
        )
    except ValidationError as exc:
        errors: dict[str, str] = {}
        for error in exc.errors():
            name = str(error["loc"][0]) if error["loc"] else "name"
            errors.setdefault(name, MESSAGES.get(name, str(error["msg"])))
        ordered = {k: errors[k] for k in MESSAGES if k in errors}
        return None, ordered
    return details, {}


@router.post("/admin/{alliance_id}/schools/{urn}", response_class=HTMLResponse)
async def save_school(
    request: Request,
    ctx: Ctx,
    principal: AllianceAdmin,
    alliance_id: str,
    urn: str,
    csrf_token: Text = "",
    name: Text = "",
    cpd_lead_name: Text = "",
    cpd_lead_email: Text = "",
    requires_approval: Text = "",
    new: Text = "",
) -> Response:
    """Register a school and add it (``new``), or change the record of one already here."""
    check_csrf(request, csrf_token)
    if not URN.match(urn):
        raise NotFound("There is no such school: a URN is 6 digits.")
    values = {
        "name": name,
        "cpd_lead_name": cpd_lead_name,
        "cpd_lead_email": cpd_lead_email.strip(),
        "requires_approval": requires_approval,
    }
    details, errors = _details(values)
    if details is None:
        return _school_form(request, principal, urn, values, errors, new=bool(new), status=422)
    try:
        await uc.put_school(ctx, principal, urn, details)
    except Forbidden as refused:
        errors = {"name": refused.detail}
        return _school_form(request, principal, urn, values, errors, new=bool(new), status=403)
    if new:
        await uc.add_member(ctx, principal, alliance_id, urn)
        return _back(alliance_id, "added")
    return _back(alliance_id, "changed")


@router.get("/admin/{alliance_id}/schools/{urn}", response_class=HTMLResponse)
async def school_page(
    request: Request, ctx: Ctx, principal: AllianceAdmin, alliance_id: str, urn: str
) -> HTMLResponse:
    if not URN.match(urn):
        raise NotFound("There is no such school: a URN is 6 digits.")
    school = await uc.get_school(ctx, principal, urn)
    values = {
        "name": school.name,
        "cpd_lead_name": school.cpd_lead_name,
        "cpd_lead_email": school.cpd_lead_email,
        "requires_approval": "yes" if school.requires_approval else "",
    }
    return _school_form(request, principal, urn, values, None, new=False)


@router.get("/admin/{alliance_id}/schools/{urn}/remove", response_class=HTMLResponse)
async def confirm_remove(
    request: Request, ctx: Ctx, principal: AllianceAdmin, alliance_id: str, urn: str
) -> HTMLResponse:
    members = await uc.list_members(ctx, principal, alliance_id)
    member = next((m for m in members if m.urn == urn), None)
    if member is None:
        raise NotFound("This school is not a member of your alliance.")
    return admin_page(
        request,
        "admin/confirm.html",
        principal,
        current="schools",
        heading=f"End {member.school_name}'s membership?",
        explain=(
            "Its new bookings will pay the non-member price. Bookings already made keep "
            "their price. You can add the school again later."
        ),
        action=f"/admin/{alliance_id}/schools/{urn}/remove",
        button="Yes, end the membership",
        back=f"/admin/{alliance_id}/schools",
    )


@router.post("/admin/{alliance_id}/schools/{urn}/remove", response_class=HTMLResponse)
async def remove_school(
    request: Request,
    ctx: Ctx,
    principal: AllianceAdmin,
    alliance_id: str,
    urn: str,
    csrf_token: Text = "",
) -> Response:
    check_csrf(request, csrf_token)
    await uc.remove_member(ctx, principal, alliance_id, urn)
    return _back(alliance_id, "removed")
