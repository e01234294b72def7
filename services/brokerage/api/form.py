"""The public support-request form: server-rendered HTML, and the same as JSON for web clients.

``POST /support-requests`` takes ``application/x-www-form-urlencoded`` (the HTML form: CSRF
checked, errors shown on the form) or ``application/json`` (web clients: no cookies, so no
CSRF; errors as a 422 problem). Any other content type is refused with 415, so a cross-site
``text/plain`` post cannot pass itself off as JSON.
"""

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from pydantic import ValidationError

from services.brokerage import repository as repo
from services.brokerage.api import csrf
from services.brokerage.api.schemas import SubmittedOut, SupportRequestIn
from services.brokerage.domain.vocab import AREA_LABELS, PHASE_LABELS, FundingSource
from services.brokerage.keys import Keys
from services.brokerage.usecases import requests as usecases
from shared.runtime import ServiceRuntime
from shared.web.problems import Problem
from shared.web.ratelimit import RateLimit

HERE = Path(__file__).resolve().parent.parent
SERVICE_NAME = "Request SLE support"

templates = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
STYLESHEET = (HERE / "static" / "brokerage.css").read_bytes()

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


def render(name: str, status: int = 200, **context: Any) -> HTMLResponse:
    context.setdefault("errors", {})
    context.setdefault("values", {})
    html = templates.get_template(name).render(service_name=SERVICE_NAME, **context)
    return HTMLResponse(html, status_code=status)


def form_context(alliance: Any) -> dict[str, Any]:
    return {
        "title": "Ask for SLE support",
        "alliance": alliance,
        "areas": [(a.value, label) for a, label in AREA_LABELS.items()],
        "phases": [(p.value, label) for p, label in PHASE_LABELS.items()],
        "funding": [(f.value, f.label) for f in FundingSource],
    }


def with_csrf(request: Request, keys: Keys, response_for: Any) -> HTMLResponse:
    """Render with a CSRF token bound to the visitor's cookie (set if they have none)."""
    nonce = request.cookies.get(csrf.COOKIE)
    fresh = not nonce or len(nonce) > 100
    if fresh:
        nonce = csrf.new_nonce()
    response: HTMLResponse = response_for(csrf.token_for(keys, nonce))
    if fresh:
        settings = request.app.state.runtime.settings
        response.set_cookie(
            csrf.COOKIE,
            nonce,
            max_age=csrf.MAX_AGE_S,
            path="/support-requests",
            httponly=True,
            samesite="strict",
            secure=settings.public_base_url.startswith("https"),
        )
    response.headers["Cache-Control"] = "no-store"
    return response


async def alliances_page(runtime: ServiceRuntime, asked: str | None) -> HTMLResponse:
    async with runtime.sessions() as session:
        known = await repo.list_alliances(session)
    lead = f"We could not find the alliance “{asked}”." if asked else "Choose your alliance first."
    return render(
        "message.html",
        status=404 if asked else 400,
        title="Choose your alliance",
        paragraphs=[lead, "Support requests go to one teaching school alliance. Choose yours:"],
        links=[(f"/support-requests/new?alliance={a['id']}", a["name"]) for a in known],
    )


def field_messages(exc: ValidationError) -> dict[str, str]:
    failed = {str(e["loc"][0]) for e in exc.errors() if e.get("loc")}
    return {name: message for name, message in MESSAGES.items() if name in failed}


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


def build_router(settings_limit: int) -> APIRouter:
    router = APIRouter(tags=["support form"])
    limit = RateLimit(settings_limit, "support-requests").dependency()

    @router.get("/assets/brokerage.css", include_in_schema=False)
    async def stylesheet() -> Response:
        return Response(
            STYLESHEET,
            media_type="text/css",
            headers={"Cache-Control": "public, max-age=3600"},
        )

    @router.get(
        "/support-requests/new",
        response_class=HTMLResponse,
        summary="The public form a school fills in to ask for SLE support",
    )
    async def new_form(
        request: Request, alliance: Annotated[str | None, Query(max_length=64)] = None
    ) -> HTMLResponse:
        runtime: ServiceRuntime = request.app.state.runtime
        keys: Keys = request.app.state.keys
        row = None
        if alliance:
            async with runtime.sessions() as session:
                row = await repo.get_alliance(session, alliance)
        if row is None:
            return await alliances_page(runtime, alliance)
        context = form_context(row)
        return with_csrf(
            request, keys, lambda token: render("form.html", csrf_token=token, **context)
        )

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
        runtime: ServiceRuntime = request.app.state.runtime
        keys: Keys = request.app.state.keys
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type == "application/json":
            return await submit_json(request, runtime, keys)
        if content_type == "application/x-www-form-urlencoded":
            return await submit_form(request, runtime, keys)
        raise UnsupportedMediaType(
            "send application/json, or the HTML form as application/x-www-form-urlencoded"
        )

    return router


class UnsupportedMediaType(Problem):
    status = 415
    title = "Unsupported media type"


async def submit_json(request: Request, runtime: ServiceRuntime, keys: Keys) -> JSONResponse:
    try:
        body = SupportRequestIn.model_validate_json(await request.body())
    except ValidationError as exc:
        raise RequestValidationError(exc.errors()) from None
    submitted = await usecases.submit(runtime, keys, body)
    return JSONResponse(submitted.model_dump(mode="json"), status_code=201)


async def submit_form(request: Request, runtime: ServiceRuntime, keys: Keys) -> HTMLResponse:
    form = await request.form()
    alliance_id = form.get("alliance_id")
    alliance = None
    if isinstance(alliance_id, str) and len(alliance_id) <= 64:
        async with runtime.sessions() as session:
            alliance = await repo.get_alliance(session, alliance_id)
    if alliance is None:
        return await alliances_page(runtime, alliance_id if isinstance(alliance_id, str) else None)
    token = form.get(csrf.FIELD)
    if not csrf.is_valid(
        keys, request.cookies.get(csrf.COOKIE), token if isinstance(token, str) else None
    ):
        return render(
            "message.html",
            status=403,
            title="Your session has expired",
            paragraphs=[
                "For your security we could not accept the form. Nothing was sent.",
                "Open the form again and send it once more.",
            ],
            links=[(f"/support-requests/new?alliance={alliance['id']}", "Open the form again")],
        )
    values = form_values(form)
    try:
        body = SupportRequestIn.model_validate(to_model_input(values, alliance["id"]))
    except ValidationError as exc:
        errors = field_messages(exc)
        context = form_context(alliance)
        return with_csrf(
            request,
            keys,
            lambda t: render(
                "form.html", status=422, csrf_token=t, errors=errors, values=values, **context
            ),
        )
    submitted = await usecases.submit(runtime, keys, body)
    response = render(
        "submitted.html",
        status=201,
        title="Request sent",
        alliance=alliance,
        reference=submitted.reference,
        email=str(body.contact_email),
        manage_url=submitted.school_manage_url,
    )
    response.headers["Cache-Control"] = "no-store"
    return response
