"""The alliance's staff: invite someone by email with a role, change a role, remove someone
(asked first). The last administrator stays one: the use case refuses and the page says so."""

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from services.bookings.api.deps import Ctx
from services.bookings.usecases import staff as uc
from services.bookings.usecases.staff import StaffInvite, StaffRoleChange
from services.bookings.web.admin_common import AllianceAdmin, admin_page, check_csrf
from services.bookings.web.refusals import PageRoute
from shared.errors import Conflict, NotFound
from shared.identity import Principal

router = APIRouter(include_in_schema=False, route_class=PageRoute)
Text = Annotated[str, Form(max_length=1000)]
DONE = {
    "invited": "Invited: they can sign in with that email now.",
    "changed": "Role changed.",
    "removed": "Removed from the staff.",
}
MESSAGES = {
    "email": "Enter an email address in the correct format, like name@example.org",
    "name": "Enter the name as one line of text, 200 characters or fewer",
    "role": "Select a role: administrator or coordinator",
}


def _back(alliance_id: str, done: str) -> RedirectResponse:
    return RedirectResponse(f"/admin/{alliance_id}/staff?done={done}", status_code=303)


async def _staff_page(
    request: Request,
    ctx: Ctx,
    principal: Principal,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    done: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    staff = await uc.list_staff(ctx, principal, principal.alliance_id)
    return admin_page(
        request,
        "admin/staff.html",
        principal,
        status,
        staff=staff,
        values=values or {},
        errors=errors,
        done=done,
        quote=quote,
    )


@router.get("/admin/{alliance_id}/staff", response_class=HTMLResponse)
async def staff_page(
    request: Request, ctx: Ctx, principal: AllianceAdmin, alliance_id: str, done: str = ""
) -> HTMLResponse:
    return await _staff_page(request, ctx, principal, done=DONE.get(done))


@router.post("/admin/{alliance_id}/staff", response_class=HTMLResponse)
async def invite(
    request: Request,
    ctx: Ctx,
    principal: AllianceAdmin,
    alliance_id: str,
    csrf_token: Text = "",
    email: Text = "",
    name: Text = "",
    role: Text = "",
) -> Response:
    check_csrf(request, csrf_token)
    values = {"email": email.strip(), "name": name.strip(), "role": role}
    try:
        body = StaffInvite.model_validate(
            {"email": values["email"], "name": values["name"] or None, "role": role}
        )
        if body.name is not None and (len(body.name) > 200 or not body.name.isprintable()):
            raise ValueError("name")
    except (ValidationError, ValueError) as exc:
        fields = (
            [str(e["loc"][0]) for e in exc.errors()] if isinstance(exc, ValidationError) else []
        )
        fields = fields or ["name"]
        errors = {k: MESSAGES[k] for k in MESSAGES if k in fields}
        return await _staff_page(request, ctx, principal, values=values, errors=errors, status=422)
    try:
        await uc.invite(ctx, principal, alliance_id, body)
    except Conflict as refused:
        return await _staff_page(
            request, ctx, principal, values=values, errors={"email": refused.detail}, status=409
        )
    return _back(alliance_id, "invited")


@router.post("/admin/{alliance_id}/staff/{email}/role", response_class=HTMLResponse)
async def change_role(
    request: Request,
    ctx: Ctx,
    principal: AllianceAdmin,
    alliance_id: str,
    email: str,
    csrf_token: Text = "",
    role: Text = "",
) -> Response:
    check_csrf(request, csrf_token)
    try:
        body = StaffRoleChange.model_validate({"role": role})
    except ValidationError:
        errors = {"staff-table": MESSAGES["role"]}
        return await _staff_page(request, ctx, principal, errors=errors, status=422)
    try:
        await uc.change_role(ctx, principal, alliance_id, email, body)
    except Conflict as refused:
        errors = {"staff-table": refused.detail}
        return await _staff_page(request, ctx, principal, errors=errors, status=409)
    return _back(alliance_id, "changed")


async def _member(ctx: Ctx, principal: Principal, email: str) -> uc.StaffMemberView:
    staff = await uc.list_staff(ctx, principal, principal.alliance_id)
    member = next((m for m in staff if m.email == email.lower()), None)
    if member is None:
        raise NotFound("There is no such person on your alliance's staff.")
    return member


@router.get("/admin/{alliance_id}/staff/{email}/remove", response_class=HTMLResponse)
async def confirm_remove(
    request: Request, ctx: Ctx, principal: AllianceAdmin, alliance_id: str, email: str
) -> HTMLResponse:
    member = await _member(ctx, principal, email)
    return admin_page(
        request,
        "admin/confirm.html",
        principal,
        current="staff",
        heading=f"Remove {member.name or member.email} from the staff?",
        explain=(
            f"{member.email} will no longer be {member.role.value} of "
            f"{alliance_id}. You can invite them again later."
        ),
        action=f"/admin/{alliance_id}/staff/{quote(member.email)}/remove",
        button="Yes, remove them",
        back=f"/admin/{alliance_id}/staff",
    )


@router.post("/admin/{alliance_id}/staff/{email}/remove", response_class=HTMLResponse)
async def remove(
    request: Request,
    ctx: Ctx,
    principal: AllianceAdmin,
    alliance_id: str,
    email: str,
    csrf_token: Text = "",
) -> Response:
    check_csrf(request, csrf_token)
    try:
        await uc.remove(ctx, principal, alliance_id, email)
    except Conflict as refused:
        errors = {"staff-table": refused.detail}
        return await _staff_page(request, ctx, principal, errors=errors, status=409)
    return _back(alliance_id, "removed")
