"""HTML pages: a course page with a booking form, and sign-in for CPD leads (the catalogue
and the CPD matrix are in ``catalogue``).

A browser cannot send a bearer header, so signing in puts the (already signed) token in an
HttpOnly, SameSite=Strict cookie scoped to /catalogue. Every form that posts, the sign-in form
included, carries the kernel's CSRF token (``shared.web.csrf``) and is checked; the booking form
carries an idempotency key minted when the page was rendered, so a double submit books once.
The pages call the same use cases as the JSON API and render their read models.
"""

from pathlib import Path
from typing import Annotated, Any
from uuid import UUID, uuid4

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from services.bookings.api.deps import Ctx, RateLimited
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
from shared.identity import Principal, Role
from shared.web.csrf import Csrf
from shared.web.pages import page_templates
from shared.web.problems import status_of

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

COOKIE = "alliance_session"
HEADLINES = {
    "confirmed": "Place booked",
    "waitlisted": "On the waiting list",
    "awaiting_approval": "Waiting for approval",
}


def csrf_of(request: Request) -> Csrf:
    csrf: Csrf = request.app.state.csrf
    return csrf


def signed_in(request: Request) -> Principal | None:
    token = request.cookies.get(COOKIE)
    if not token:
        return None
    try:
        principal: Principal = request.app.state.token_verifier.verify(token)
    except Unauthenticated:
        return None
    if not principal.has(Role.SCHOOL_LEAD) or not principal.school_urn:
        return None
    return principal


def check_form(request: Request, submitted: str) -> Principal:
    """The signed-in CPD lead, once the form proves it came from our page."""
    csrf_of(request).check(request, submitted)
    principal = signed_in(request)
    if principal is None:
        raise Unauthenticated("sign in again: your session has ended")
    return principal


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    context = {
        "principal": signed_in(request),
        "csrf_token": csrf_of(request).token(request),
        **context,
    }
    return templates.TemplateResponse(request, template, context, status_code=status)


@router.get("/catalogue/sign-in", response_class=HTMLResponse)
async def sign_in_page(request: Request, next: str = "/catalogue") -> HTMLResponse:
    return render(request, "signin.html", next=_safe_next(next))


def _safe_next(target: str) -> str:
    return target if target.startswith("/catalogue") and "//" not in target else "/catalogue"


@router.post("/catalogue/sign-in", response_class=HTMLResponse)
async def sign_in(
    request: Request,
    token: Annotated[str, Form(max_length=8000)] = "",
    next: Annotated[str, Form(max_length=500)] = "/catalogue",
    csrf_token: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    csrf_of(request).check(request, csrf_token)
    try:
        principal = request.app.state.token_verifier.verify(token.strip())
    except Unauthenticated:
        principal = None
    if principal is None or not principal.has(Role.SCHOOL_LEAD) or not principal.school_urn:
        return render(
            request,
            "signin.html",
            status=401,
            error="Enter a valid token for a school CPD lead",
            next=_safe_next(next),
        )
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(
        COOKIE,
        token.strip(),
        max_age=8 * 3600,
        path="/catalogue",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return response


@router.post("/catalogue/sign-out")
async def sign_out(request: Request, csrf_token: Annotated[str, Form()] = "") -> Response:
    check_form(request, csrf_token)
    response = RedirectResponse("/catalogue", status_code=303)
    response.delete_cookie(COOKIE, path="/catalogue")
    return response


@router.get("/catalogue/{course_id}", response_class=HTMLResponse, dependencies=[RateLimited])
async def course_page(request: Request, ctx: Ctx, course_id: UUID) -> HTMLResponse:
    course = await queries.get_course(ctx, None, course_id)
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
    principal = check_form(request, csrf_token)
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
