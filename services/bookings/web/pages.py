"""HTML pages: the catalogue, a course page with a booking form, and sign-in for CPD leads.

A browser cannot send a bearer header, so signing in puts the (already signed) token in an
HttpOnly, SameSite=Strict cookie scoped to /catalogue. Every state-changing form also carries a
CSRF token, an HMAC of the session token under a per-process key, checked in constant time; the
booking form carries an idempotency key minted when the page was rendered, so a double submit
books once.
"""

import hashlib
import hmac
from pathlib import Path
from typing import Annotated, Any
from uuid import UUID, uuid4

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from pydantic import ValidationError

from services.bookings.api.deps import Ctx, RateLimited
from services.bookings.api.schemas import BookingIn, BookingOut, CourseFilters
from services.bookings.domain.model import Phase, Strand
from services.bookings.service_layer import bookings as booking_uc
from services.bookings.service_layer import courses as course_uc
from services.bookings.web.formatting import PHASES, STRANDS, london, london_time, money
from shared.errors import DomainError
from shared.web.auth import Principal, Role
from shared.web.compare import same_secret
from shared.web.problems import Forbidden, Unauthorized, status_of

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
templates.env.globals.update(
    money=money, london=london, london_time=london_time, strands=STRANDS, phases=PHASES
)

COOKIE = "alliance_session"
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; style-src 'self'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
HEADLINES = {
    "confirmed": "Place booked",
    "waitlisted": "On the waiting list",
    "awaiting_approval": "Waiting for approval",
}
FIELDS = {
    ("participant", "name"): "participant_name",
    ("participant", "email"): "participant_email",
    ("participant", "role"): "participant_role",
    ("access_needs",): "access_needs",
}


def csrf_token(request: Request, session_token: str) -> str:
    key: bytes = request.app.state.csrf_key
    return hmac.new(key, session_token.encode(), hashlib.sha256).hexdigest()


def signed_in(request: Request) -> tuple[Principal | None, str | None]:
    token = request.cookies.get(COOKIE)
    if not token:
        return None, None
    try:
        principal = request.app.state.token_verifier.verify(token)
    except Unauthorized:
        return None, None
    if not principal.has(Role.SCHOOL_LEAD) or not principal.school_urn:
        return None, None
    return principal, csrf_token(request, token)


def check_csrf(request: Request, submitted: str) -> Principal:
    principal, expected = signed_in(request)
    if principal is None or expected is None:
        raise Unauthorized("sign in again: your session has ended")
    if not same_secret(expected, submitted):
        raise Forbidden("the form's security token does not match; reload the page and retry")
    return principal


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    principal, csrf = signed_in(request)
    context = {"principal": principal, "csrf_token": csrf, **context}
    response = templates.TemplateResponse(request, template, context, status_code=status)
    response.headers.update(SECURITY_HEADERS)
    return response


@router.get("/catalogue", response_class=HTMLResponse, dependencies=[RateLimited])
async def catalogue(
    request: Request,
    ctx: Ctx,
    strand: str = "",
    phase: str = "",
    has_places: str = "",
    page: int = 1,
) -> HTMLResponse:
    filters = CourseFilters(
        strand=Strand(strand) if strand in Strand._value2member_map_ else None,
        phase=Phase(phase) if phase in Phase._value2member_map_ else None,
        has_places=True if has_places == "true" else None,
    )
    page = max(1, min(page, 10_000))
    result = await course_uc.list_courses(ctx, None, filters, page, 20)

    def page_link(number: int) -> str:
        params = {"strand": strand, "phase": phase, "has_places": has_places, "page": number}
        query = "&".join(f"{k}={v}" for k, v in params.items() if v)
        return f"/catalogue?{query}"

    return render(
        request,
        "catalogue.html",
        page=result,
        filters={"strand": strand, "phase": phase, "has_places": has_places == "true"},
        page_link=page_link,
    )


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
) -> Response:
    try:
        principal = request.app.state.token_verifier.verify(token.strip())
    except Unauthorized:
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
    check_csrf(request, csrf_token)
    response = RedirectResponse("/catalogue", status_code=303)
    response.delete_cookie(COOKIE, path="/catalogue")
    return response


@router.get("/catalogue/{course_id}", response_class=HTMLResponse, dependencies=[RateLimited])
async def course_page(request: Request, ctx: Ctx, course_id: UUID) -> HTMLResponse:
    course = await course_uc.get_course(ctx, None, course_id)
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
    principal = check_csrf(request, csrf_token)
    form = {
        "participant_name": participant_name,
        "participant_email": participant_email,
        "participant_role": participant_role,
        "access_needs": access_needs,
    }
    course = await course_uc.get_course(ctx, None, course_id)

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
        body = BookingIn(
            school_urn=principal.school_urn or "",
            participant={
                "name": participant_name,
                "email": participant_email,
                "role": participant_role or None,
            },
            access_needs=access_needs or None,
        )
    except ValidationError as exc:
        errors: dict[str, str] = {}
        for error in exc.errors():
            field = FIELDS.get(tuple(str(p) for p in error["loc"]), "book")
            errors.setdefault(field, _message(field, error["msg"]))
        return again(errors, 422)
    try:
        stored = await booking_uc.create_booking(
            ctx, principal, course_id, body, idempotency_key or uuid4().hex
        )
    except DomainError as problem:
        return again({"book": problem.detail}, status_of(problem))
    booking = BookingOut.model_validate(stored.body)
    return render(
        request, "booked.html", booking=booking, headline=HEADLINES.get(booking.status, "Booked")
    )


def _message(field: str, detail: str) -> str:
    return {
        "participant_name": "Enter the participant's full name",
        "participant_email": "Enter an email address in the correct format, like name@example.org",
        "participant_role": "The role must be 200 characters or fewer",
        "access_needs": "Access needs must be 2,000 characters or fewer",
    }.get(field, detail)
