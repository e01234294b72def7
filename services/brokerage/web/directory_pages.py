"""The SLE directory for an alliance's staff: the list (filtered by specialism, phase and
status), one SLE's entry, and adding or changing an entry, through the directory use cases."""

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from services.brokerage.api.schemas import SleIn, SlePatch
from services.brokerage.domain.vocab import AREA_LABELS, PHASE_LABELS, Area, Phase, SleStatus
from services.brokerage.usecases import directory
from services.brokerage.web.coordinator import queue_hat
from services.brokerage.web.pages import context_of
from services.brokerage.web.signed import (
    SleId,
    field_errors,
    form_of,
    page,
    problem_text,
    refused,
    see,
    staff_hats,
    text,
)
from shared.errors import Conflict, DomainError, Forbidden
from shared.identity import Identity, Principal
from shared.web.signin import SignedIn

router = APIRouter(include_in_schema=False)

MESSAGES = {
    "name": "Enter the SLE's full name",
    "email": "Enter an email address in the correct format, like name@school.org.uk",
    "phone": "Enter a telephone number, like 01452 123456, or leave it empty",
    "home_school_urn": "Enter the home school's URN: 6 digits, like 115678",
    "home_school_name": "Enter the home school's name",
    "home_head_name": "Enter the name of the home school's headteacher",
    "home_head_email": "Enter the headteacher's email address, like head@school.org.uk",
    "phases": "Select at least one phase",
    "specialisms": "Select at least one specialism",
    "days_available": "Enter the days available this year, from 0 to 200, in half days",
    "region": "Enter the region, like Gloucestershire",
    "status": "Select the SLE's status",
}
LISTS = ("phases", "specialisms")
STATUSES = [
    ("active", "Active: can be proposed"),
    ("paused", "Paused: not proposed for now"),
    ("inactive", "Inactive: left the directory"),
]


def _hat(request: Request, identity: Identity) -> Principal:
    hat = queue_hat(identity, request.query_params.get("alliance") or None)
    if hat is None:
        raise Forbidden("only an alliance's coordinators and administrators can see this page")
    return hat


def choices() -> dict[str, Any]:
    return {
        "area_options": [(a.value, label) for a, label in AREA_LABELS.items()],
        "phase_options": [(p.value, label) for p, label in PHASE_LABELS.items()],
        "status_options": STATUSES,
    }


@router.get("/directory", response_class=HTMLResponse)
async def listing(request: Request, identity: SignedIn) -> HTMLResponse:
    try:
        hat = _hat(request, identity)
    except DomainError as exc:
        return refused(request, identity, exc)
    params = request.query_params
    specialism = params.get("specialism") or ""
    phase = params.get("phase") or ""
    status = params.get("status") or ""
    errors: dict[str, str] = {}
    if specialism and specialism not in {a.value for a in Area}:
        errors["specialism"] = "Choose a specialism from the list"
    if phase and phase not in {p.value for p in Phase}:
        errors["phase"] = "Choose a phase from the list"
    if status and status not in {s.value for s in SleStatus}:
        errors["status"] = "Choose a status from the list"
    sles = await directory.list_sles(
        context_of(request),
        hat.alliance_id,
        specialism=[Area(specialism)] if specialism and not errors else None,
        phase=Phase(phase) if phase and not errors else None,
        status=SleStatus(status) if status and not errors else None,
    )
    return page(
        request,
        identity,
        "directory.html",
        status=400 if errors else 200,
        title="SLE directory",
        alliance_id=hat.alliance_id,
        alliances=[h.alliance_id for h in staff_hats(identity)],
        sles=sles,
        errors=errors,
        values={} if errors else {"specialism": specialism, "phase": phase, "status": status},
        **choices(),
    )


@router.get("/directory/new", response_class=HTMLResponse)
async def new_sle(request: Request, identity: SignedIn) -> HTMLResponse:
    try:
        hat = _hat(request, identity)
    except DomainError as exc:
        return refused(request, identity, exc)
    return _form(request, identity, hat, None, values={"status": "active"})


def _form(
    request: Request,
    identity: Identity,
    hat: Principal,
    sle_id: UUID | None,
    status: int = 200,
    **extra: Any,
) -> HTMLResponse:
    return page(
        request,
        identity,
        "sle_form.html",
        status=status,
        title="Change an SLE's entry" if sle_id else "Add an SLE",
        action=f"/directory/{sle_id}/edit" if sle_id else "/directory",
        alliance_id=hat.alliance_id,
        sle_id=sle_id,
        **choices(),
        **extra,
    )


async def _values(request: Request) -> dict[str, Any]:
    form: Any = await form_of(request)
    values: dict[str, Any] = {name: text(form, name) for name in MESSAGES if name not in LISTS}
    for name in LISTS:
        values[name] = [v for v in form.getlist(name) if isinstance(v, str)]
    return values


def _entry(values: dict[str, Any]) -> dict[str, Any]:
    data = {k: v for k, v in values.items() if v not in ("", None)}
    data.update({name: values[name] for name in LISTS})
    return data


@router.post("/directory", response_class=HTMLResponse)
async def add_sle(request: Request, identity: SignedIn) -> Response:
    values = await _values(request)
    try:
        hat = _hat(request, identity)
    except DomainError as exc:
        return refused(request, identity, exc)
    try:
        new = SleIn.model_validate(_entry(values)).to_input()
    except ValidationError as exc:
        errors = field_errors(exc, MESSAGES)
        return _form(request, identity, hat, None, 422, errors=errors, values=values)
    try:
        made = await directory.create_sle(context_of(request), hat.alliance_id, new)
    except Conflict as exc:
        problem = problem_text(exc)
        return _form(request, identity, hat, None, 409, problem=problem, values=values)
    return see(f"/directory/{made.id}?done=added")


@router.get("/directory/{sle_id}", response_class=HTMLResponse)
async def sle_page(request: Request, sle_id: SleId, identity: SignedIn) -> HTMLResponse:
    try:
        hat = _hat(request, identity)
        sle = await directory.get_sle(context_of(request), hat.alliance_id, sle_id)
    except DomainError as exc:
        return refused(request, identity, exc)
    done = request.query_params.get("done")
    notice = {"added": "SLE added to the directory.", "changed": "Entry changed."}.get(done or "")
    return page(request, identity, "sle.html", title=sle.name, sle=sle, notice=notice)


@router.get("/directory/{sle_id}/edit", response_class=HTMLResponse)
async def edit_sle(request: Request, sle_id: SleId, identity: SignedIn) -> HTMLResponse:
    try:
        hat = _hat(request, identity)
        sle = await directory.get_sle(context_of(request), hat.alliance_id, sle_id)
    except DomainError as exc:
        return refused(request, identity, exc)
    values: dict[str, Any] = {name: getattr(sle, name) for name in MESSAGES}
    values["phone"] = sle.phone or ""
    values["days_available"] = f"{sle.days_available:g}"
    values["phases"] = [p.value for p in sle.phases]
    values["specialisms"] = [a.value for a in sle.specialisms]
    values["status"] = sle.status.value
    return _form(request, identity, hat, sle_id, values=values)


@router.post("/directory/{sle_id}/edit", response_class=HTMLResponse)
async def change_sle(request: Request, sle_id: SleId, identity: SignedIn) -> Response:
    values = await _values(request)
    try:
        hat = _hat(request, identity)
    except DomainError as exc:
        return refused(request, identity, exc)
    data = _entry(values)
    data["phone"] = data.get("phone") or None
    try:
        SleIn.model_validate(data)
        changes = SlePatch.model_validate(data).to_input()
    except ValidationError as exc:
        errors = field_errors(exc, MESSAGES)
        return _form(request, identity, hat, sle_id, 422, errors=errors, values=values)
    try:
        await directory.patch_sle(context_of(request), hat.alliance_id, sle_id, changes)
    except Conflict as exc:
        problem = problem_text(exc)
        return _form(request, identity, hat, sle_id, 409, problem=problem, values=values)
    except DomainError as exc:
        return refused(request, identity, exc)
    return see(f"/directory/{sle_id}?done=changed")
