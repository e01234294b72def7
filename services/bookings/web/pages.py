"""HTML pages: the start page and a course page with a booking form (the catalogue and the CPD
matrix are in ``catalogue``).

Who is signed in comes from the kernel's session (``shared.web.signin``); what they may do from
bookings' own data (a school's CPD lead is the person its record names). Every form that posts
carries the kernel's CSRF token (``shared.web.csrf``) and is checked; the booking form carries
an idempotency key minted when the page was rendered, so a double submit books once. The pages
call the same use cases as the JSON API and render their read models.
"""

from pathlib import Path
from typing import Annotated, Any
from uuid import UUID, uuid4

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse
from pydantic import ValidationError

from services.bookings.api.deps import Ctx
from services.bookings.usecases import booking as booking_uc
from services.bookings.usecases import queries
from services.bookings.usecases.inputs import NewBooking
from services.bookings.web.formatting import (
    PHASES,
    STRANDS,
    alliance_name,
    london,
    london_time,
    money,
)
from services.bookings.web.forms import field_errors
from shared.errors import DomainError, Unauthenticated
from shared.identity import Identity, Principal, Role
from shared.web.csrf import Csrf
from shared.web.pages import page_templates
from shared.web.problems import status_of
from shared.web.ratelimit import PublicPage
from shared.web.signin import SignedIn, here, identity_of, signed_in_person, signout_token

router = APIRouter(include_in_schema=False)
templates = page_templates(Path(__file__).parent / "templates")
templates.env.globals.update(
    money=money,
    london=london,
    london_time=london_time,
    strands=STRANDS,
    phases=PHASES,
    alliance_name=alliance_name,
)

HEADLINES = {
    "confirmed": "Place booked",
    "waitlisted": "On the waiting list",
    "awaiting_approval": "Waiting for approval",
}


def csrf_of(request: Request) -> Csrf:
    csrf: Csrf = request.app.state.csrf
    return csrf


def signed_in(request: Request) -> Principal | None:
    """The signed-in person as the CPD lead of a school, if the school records name them, else
    as a participant (of the school a place was booked for them from), who asks for places."""
    identity: Identity | None = request.scope.get("alliance.identity")
    if identity is None:
        return None
    return identity.acting_as(Role.SCHOOL_LEAD) or identity.acting_as(Role.PARTICIPANT)


async def identify(request: Request) -> None:
    """Work out the signed-in person's hats once, before a page renders (``signed_in``)."""
    await identity_of(request)


async def check_form(request: Request, submitted: str) -> Principal:
    """The signed-in CPD lead, once the form proves it came from our page."""
    csrf_of(request).check(request, submitted)
    await identify(request)
    principal = signed_in(request)
    if principal is None:
        raise Unauthenticated("sign in again: your session has ended")
    return principal


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    context = {
        "principal": signed_in(request),
        "person": signed_in_person(request),
        "here": here(request),
        "signout_token": signout_token(request),
        "csrf_token": csrf_of(request).token(request),
        **context,
    }
    return templates.TemplateResponse(request, template, context, status_code=status)


@router.get("/", response_class=HTMLResponse)
async def start(request: Request, identity: SignedIn) -> HTMLResponse:
    """What the signed-in person can do here, from bookings' own data."""
    settings = request.app.state.runtime.settings
    links = settings.other_service_urls()
    return render(request, "start.html", identity=identity, links=links)


@router.get("/catalogue/{course_id}", response_class=HTMLResponse, dependencies=[PublicPage])
async def course_page(request: Request, ctx: Ctx, course_id: UUID) -> HTMLResponse:
    course = await queries.get_course(ctx, None, course_id)
    await identify(request)
    return render(
        request, "course.html", course=course, form={}, errors=None, idempotency_key=uuid4().hex
    )


@router.post("/catalogue/{course_id}/book", response_class=HTMLResponse)
async def book(
    request: Request,
    ctx: Ctx,
    course_id: UUID,
    csrf_token: Annotated[str, Form(max_length=200)] = "",
    idempotency_key: Annotated[str, Form(max_length=200)] = "",
    participant_name: Annotated[str, Form(max_length=1000)] = "",
    participant_email: Annotated[str, Form(max_length=1000)] = "",
    participant_role: Annotated[str, Form(max_length=1000)] = "",
    access_needs: Annotated[str, Form(max_length=10_000)] = "",
) -> HTMLResponse:
    principal = await check_form(request, csrf_token)
    form = {
        "participant_name": participant_name,
        "participant_email": participant_email,
        "participant_role": participant_role,
        "access_needs": access_needs,
    }
    course = await queries.get_course(ctx, None, course_id)

    def again(errors: dict[str, str], status: int) -> HTMLResponse:
        return render(
            request,
            "course.html",
            status=status,
            course=course,
            form=form,
            errors=errors,
            idempotency_key=idempotency_key or uuid4().hex,
        )

    try:
        new = NewBooking.model_validate(
            {
                "school_urn": principal.school_urn or "",
                "participant": {
                    "name": participant_name,
                    "email": participant_email,
                    "role": participant_role or None,
                },
                "access_needs": access_needs or None,
            }
        )
    except ValidationError as exc:
        return again(field_errors(exc), 422)
    try:
        result = await booking_uc.create_booking(
            ctx, principal, course_id, new, idempotency_key or uuid4().hex
        )
    except DomainError as problem:
        return again({"book": problem.detail}, status_of(problem))
    booking = result.booking
    return render(
        request, "booked.html", booking=booking, headline=HEADLINES.get(booking.status, "Booked")
    )
