"""The public support-request form: server-rendered HTML, and the same as JSON for web clients.

``POST /support-requests`` takes ``application/x-www-form-urlencoded`` (the HTML form: CSRF
checked, errors shown on the form) or ``application/json`` (web clients: no cookies, so no
CSRF; errors as a 422 problem). Any other content type is refused with 415, so a cross-site
``text/plain`` post cannot pass itself off as JSON.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import ValidationError

from services.brokerage.api.schemas import SubmittedOut, SupportRequestIn
from services.brokerage.domain.vocab import AREA_LABELS, PHASE_LABELS, FundingSource
from services.brokerage.usecases import directory, requests
from services.brokerage.usecases.context import Context
from services.brokerage.usecases.models import AllianceView
from services.brokerage.web.pages import context_of, csrf_of, render, submitted_token, with_form
from shared.web.problems import Problem
from shared.web.ratelimit import RateLimit

# In form order: the error summary lists problems in the order the fields appear.
MESSAGES: dict[str, str] = {
    "school_name": "Enter the school's name",
    "school_urn": "Enter the school's URN: 6 digits, like 115678",
    "contact_name": "Enter the full name of the person we should contact",
    "contact_role": "Enter their role, like headteacher or SENCo",
    "contact_email": "Enter an email address in the correct format, like name@school.org.uk",
    "contact_phone": "Enter a telephone number, like 01452 123456",
    "areas": "Select at least one area of need",
    "phase": "Select the school's phase",
    "needs": "Describe what support is needed (up to 5,000 characters)",
    "outcomes": "Describe the outcomes you expect (up to 5,000 characters)",
    "timing": "Say when the support is needed, like spring term 2026",
    "days": "Enter the number of days: at least 0.5, in half days, like 3 or 2.5",
    "funding_source": "Select how the support will be funded",
    "consent_to_share": (
        "Agree that we may share your request with the matched SLE and their home school"
    ),
}
LIST_FIELDS = {"areas"}
# What a field is called when it holds a character a person cannot have meant (a line break in
# a name, say): the usual "Enter ..." message would not tell them what is wrong.
TEXT_LABELS: dict[str, str] = {
    "school_name": "The school's name",
    "contact_name": "The contact's name",
    "contact_role": "The role",
    "needs": "The support needed",
    "outcomes": "The outcomes",
    "timing": "When support is needed",
}


class UnsupportedMediaType(Problem):
    status = 415
    title = "Unsupported media type"


def form_context(alliance: AllianceView) -> dict[str, Any]:
    return {
        "title": "Ask for SLE support",
        "alliance": alliance,
        "areas": [(a.value, label) for a, label in AREA_LABELS.items()],
        "phases": [(p.value, label) for p, label in PHASE_LABELS.items()],
        "funding": [(f.value, f.label) for f in FundingSource],
    }


async def alliances_page(ctx: Context, asked: str | None) -> HTMLResponse:
    known = await directory.list_alliances(ctx)
    lead = f"We could not find the alliance “{asked}”." if asked else "Choose your alliance first."
    return render(
        "message.html",
        status=404 if asked else 400,
        title="Choose your alliance",
        paragraphs=[lead, "Support requests go to one teaching school alliance. Choose yours:"],
        links=[(f"/support-requests/new?alliance={a.id}", a.name) for a in known],
    )


def field_messages(exc: ValidationError) -> dict[str, str]:
    failed: dict[str, str] = {}
    for error in exc.errors():
        if not error.get("loc"):
            continue
        name = str(error["loc"][0])
        if name in TEXT_LABELS and "control characters" in error.get("msg", ""):
            one_line = "one line of text" in error["msg"]
            failed[name] = (
                f"{TEXT_LABELS[name]} must be on one line, without special characters"
                if one_line
                else f"{TEXT_LABELS[name]} must not contain special characters"
            )
        failed.setdefault(name, MESSAGES.get(name, ""))
    return {name: failed[name] for name in MESSAGES if name in failed}


def form_values(form: Any) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in MESSAGES:
        if name in LIST_FIELDS:
            values[name] = [v for v in form.getlist(name) if isinstance(v, str)]
        else:
            value = form.get(name)
            values[name] = value if isinstance(value, str) else ""
    return values


def to_model_input(values: dict[str, Any], alliance_id: str) -> dict[str, Any]:
    data: dict[str, Any] = {k: v for k, v in values.items() if v not in ("", None)}
    data["areas"] = values["areas"]
    data["consent_to_share"] = values["consent_to_share"] == "yes"
    data["alliance_id"] = alliance_id
    return data


def build_router(rate_limit_per_minute: int) -> APIRouter:
    router = APIRouter(tags=["support form"])
    limit = RateLimit(rate_limit_per_minute, "support-requests").dependency()

    @router.get(
        "/support-requests/new",
        response_class=HTMLResponse,
        summary="The public form a school fills in to ask for SLE support",
    )
    async def new_form(
        request: Request, alliance: Annotated[str | None, Query(max_length=64)] = None
    ) -> HTMLResponse:
        ctx = context_of(request)
        found = await directory.find_alliance(ctx, alliance) if alliance else None
        if found is None:
            return await alliances_page(ctx, alliance)
        return with_form(request, "form.html", **form_context(found))

    @router.post(
        "/support-requests",
        status_code=201,
        dependencies=[Depends(limit)],
        summary="Submit a support request (the HTML form, or JSON from a web client)",
        response_model=SubmittedOut,
        responses={415: {"description": "Neither JSON nor an HTML form"}},
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {"$ref": "#/components/schemas/SupportRequestIn"}
                    },
                    "application/x-www-form-urlencoded": {
                        "schema": {"$ref": "#/components/schemas/SupportRequestIn"}
                    },
                },
            }
        },
    )
    async def submit(request: Request) -> Response:
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type == "application/json":
            return await submit_json(request)
        if content_type == "application/x-www-form-urlencoded":
            return await submit_form(request)
        raise UnsupportedMediaType(
            "send application/json, or the HTML form as application/x-www-form-urlencoded"
        )

    return router


async def submit_json(request: Request) -> JSONResponse:
    try:
        body = SupportRequestIn.model_validate_json(await request.body())
    except ValidationError as exc:
        raise RequestValidationError(exc.errors()) from None
    submitted = await requests.submit(context_of(request), body.to_input())
    shown = SubmittedOut.model_validate(submitted, from_attributes=True)
    return JSONResponse(shown.model_dump(mode="json"), status_code=201)


async def submit_form(request: Request) -> HTMLResponse:
    ctx = context_of(request)
    form = await request.form()
    alliance_id = form.get("alliance_id")
    alliance = None
    if isinstance(alliance_id, str) and len(alliance_id) <= 64:
        alliance = await directory.find_alliance(ctx, alliance_id)
    if alliance is None:
        return await alliances_page(ctx, alliance_id if isinstance(alliance_id, str) else None)
    if not csrf_of(request).is_valid(request, submitted_token(form)):
        return render(
            "message.html",
            status=403,
            title="Your session has expired",
            paragraphs=[
                "For your security we could not accept the form. Nothing was sent.",
                "Open the form again and send it once more.",
            ],
            links=[(f"/support-requests/new?alliance={alliance.id}", "Open the form again")],
        )
    values = form_values(form)
    try:
        body = SupportRequestIn.model_validate(to_model_input(values, alliance.id))
    except ValidationError as exc:
        return with_form(
            request,
            "form.html",
            status=422,
            errors=field_messages(exc),
            values=values,
            **form_context(alliance),
        )
    submitted = await requests.submit(ctx, body.to_input())
    return render(
        "submitted.html",
        status=201,
        title="Request sent",
        alliance=alliance,
        reference=submitted.reference,
        email=body.contact_email,
        manage_url=submitted.school_manage_url,
    )
