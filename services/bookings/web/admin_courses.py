"""The alliance administrator's course pages: the alliance's courses (status, places left,
waiting list), a new course, one course (change it, publish it) and cancelling one, which asks
first (every live booking is cancelled and refunded). They call the JSON API's use cases."""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from services.bookings.api.deps import Ctx
from services.bookings.api.schemas import CourseCancelIn
from services.bookings.domain.model import BookingStatus, CourseStatus
from services.bookings.usecases import courses as uc
from services.bookings.usecases import queries
from services.bookings.usecases.inputs import CourseChanges, CourseFilters
from services.bookings.usecases.read_models import CourseView
from services.bookings.web.admin_common import (
    AllianceAdmin,
    CourseAdmin,
    admin_page,
    check_csrf,
)
from services.bookings.web.admin_course_form import CourseForm, blank_form, form_of, read_form
from services.bookings.web.refusals import PageRoute
from shared.errors import Conflict, Invalid
from shared.identity import Principal

router = APIRouter(include_in_schema=False, route_class=PageRoute)
PER_PAGE = 25
DONE = {
    "created": "Course drafted. Check it, then publish it to open booking.",
    "published": "Course published: it is in the catalogue and taking bookings.",
    "changed": "Your changes are saved.",
    "cancelled": "Course cancelled. Every live booking was cancelled and refunded in full.",
    "completed": "The register is closed: each place is settled as attended or a no-show.",
}


def see(course_id: UUID, done: str) -> RedirectResponse:
    return RedirectResponse(f"/admin/courses/{course_id}?done={done}", status_code=303)


async def waiting(ctx: Ctx, principal: Principal, course_id: UUID) -> int:
    found = await queries.list_bookings(
        ctx,
        principal,
        course_id=course_id,
        school_urn=None,
        participant_email=None,
        status=BookingStatus.WAITLISTED,
        page=1,
        per_page=1,
    )
    return found.total


@router.get("/admin/{alliance_id}/courses", response_class=HTMLResponse)
async def course_list(
    request: Request,
    ctx: Ctx,
    principal: AllianceAdmin,
    alliance_id: str,
    status: str = "published",
    page: int = 1,
) -> HTMLResponse:
    shown = CourseStatus(status) if status in CourseStatus._value2member_map_ else None
    shown = shown or CourseStatus.PUBLISHED
    page = max(1, min(page, 10_000))
    counts = {}
    for each in CourseStatus:
        filters = CourseFilters(alliance=alliance_id, status=each)
        counts[each.value] = (await queries.list_courses(ctx, principal, filters, 1, 1)).total
    filters = CourseFilters(alliance=alliance_id, status=shown)
    found = await queries.list_courses(ctx, principal, filters, page, PER_PAGE)
    waitlists = {c.id: await waiting(ctx, principal, c.id) for c in found.items}
    return admin_page(
        request,
        "admin/courses.html",
        principal,
        shown=shown.value,
        counts=counts,
        page=found,
        waitlists=waitlists,
    )


def _form_page(
    request: Request,
    principal: Principal,
    form: CourseForm,
    *,
    course: CourseView | None = None,
    status: int = 200,
) -> HTMLResponse:
    return admin_page(
        request,
        "admin/course_form.html",
        principal,
        status,
        form=form,
        errors=form.errors,
        course=course,
    )


def _refused(form: CourseForm, problem: Invalid | Conflict) -> None:
    fields = problem.extra.get("errors") or []
    if any(str(e.get("field", "")).startswith("sessions") for e in fields):
        form.errors["session-0-date"] = "The first session must be in the future"
    else:
        form.errors["course"] = problem.detail


@router.get("/admin/{alliance_id}/courses/new", response_class=HTMLResponse)
async def new_course(request: Request, principal: AllianceAdmin, alliance_id: str) -> HTMLResponse:
    return _form_page(request, principal, blank_form())


@router.post("/admin/{alliance_id}/courses/new", response_class=HTMLResponse)
async def create_course(
    request: Request, ctx: Ctx, principal: AllianceAdmin, alliance_id: str
) -> Response:
    submitted = await request.form()
    check_csrf(request, str(submitted.get("csrf_token", "")))
    form = read_form(submitted)
    if form.details is None:
        return _form_page(request, principal, form, status=422)
    try:
        course = await uc.create_course(ctx, principal, form.details)
    except Invalid as problem:
        _refused(form, problem)
        return _form_page(request, principal, form, status=422)
    return see(course.id, "created")


@router.get("/admin/courses/{course_id}", response_class=HTMLResponse)
async def course_page(request: Request, ctx: Ctx, admin: CourseAdmin, done: str = "") -> Response:
    principal, course = admin
    return admin_page(
        request,
        "admin/course.html",
        principal,
        course=course,
        waiting=await waiting(ctx, principal, course.id),
        done=DONE.get(done),
        now=ctx.clock.now(),
    )


@router.get("/admin/courses/{course_id}/edit", response_class=HTMLResponse)
async def edit_course(request: Request, admin: CourseAdmin) -> HTMLResponse:
    principal, course = admin
    return _form_page(request, principal, form_of(course), course=course)


@router.post("/admin/courses/{course_id}/edit", response_class=HTMLResponse)
async def change_course(request: Request, ctx: Ctx, admin: CourseAdmin) -> Response:
    principal, course = admin
    submitted = await request.form()
    check_csrf(request, str(submitted.get("csrf_token", "")))
    form = read_form(submitted)
    if form.details is None:
        return _form_page(request, principal, form, course=course, status=422)
    # The course page does not show the facilitator's email: blank keeps it as it is.
    keep = {"facilitator_email"} if form.details.facilitator_email is None else set()
    changes = CourseChanges.model_validate(form.details.model_dump(exclude=keep))
    try:
        await uc.change_course(ctx, principal, course.id, changes)
    except (Invalid, Conflict) as problem:
        _refused(form, problem)
        return _form_page(request, principal, form, course=course, status=status_for(problem))
    return see(course.id, "changed")


def status_for(problem: Invalid | Conflict) -> int:
    return 409 if isinstance(problem, Conflict) else 422


@router.post("/admin/courses/{course_id}/publish", response_class=HTMLResponse)
async def publish_course(
    request: Request,
    ctx: Ctx,
    admin: CourseAdmin,
    csrf_token: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    principal, course = admin
    check_csrf(request, csrf_token)
    try:
        await uc.publish_course(ctx, principal, course.id)
    except Conflict as problem:
        return admin_page(
            request,
            "admin/course.html",
            principal,
            409,
            course=course,
            waiting=await waiting(ctx, principal, course.id),
            errors={"publish": problem.detail},
            now=ctx.clock.now(),
        )
    return see(course.id, "published")


async def _live(ctx: Ctx, principal: Principal, course_id: UUID) -> dict[str, int]:
    live = {}
    for status in (
        BookingStatus.CONFIRMED,
        BookingStatus.AWAITING_APPROVAL,
        BookingStatus.OFFERED,
        BookingStatus.WAITLISTED,
    ):
        found = await queries.list_bookings(
            ctx,
            principal,
            course_id=course_id,
            school_urn=None,
            participant_email=None,
            status=status,
            page=1,
            per_page=1,
        )
        live[status.value] = found.total
    return live


async def _cancel_page(
    request: Request,
    ctx: Ctx,
    principal: Principal,
    course: CourseView,
    *,
    values: dict[str, str],
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    return admin_page(
        request,
        "admin/course_cancel.html",
        principal,
        status,
        course=course,
        live=await _live(ctx, principal, course.id),
        values=values,
        errors=errors,
    )


@router.get("/admin/courses/{course_id}/cancel", response_class=HTMLResponse)
async def confirm_cancel(request: Request, ctx: Ctx, admin: CourseAdmin) -> HTMLResponse:
    principal, course = admin
    return await _cancel_page(request, ctx, principal, course, values={})


@router.post("/admin/courses/{course_id}/cancel", response_class=HTMLResponse)
async def cancel_course(
    request: Request,
    ctx: Ctx,
    admin: CourseAdmin,
    csrf_token: Annotated[str, Form(max_length=200)] = "",
    reason: Annotated[str, Form(max_length=10_000)] = "",
    low_numbers: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    principal, course = admin
    check_csrf(request, csrf_token)
    values = {"reason": reason, "low_numbers": low_numbers}
    try:
        asked = CourseCancelIn(reason=reason, low_numbers=low_numbers == "yes")
    except ValidationError as exc:
        kind = exc.errors()[0]["type"]
        message = (
            "The reason must be 2,000 characters or fewer"
            if kind == "string_too_long"
            else "The reason must not contain control characters"
            if kind == "value_error"
            else "Enter the reason: it is sent to everyone with a place"
        )
        return await _cancel_page(
            request, ctx, principal, course, values=values, errors={"reason": message}, status=422
        )
    try:
        await uc.cancel_course(
            ctx, principal, course.id, asked.reason, low_numbers=asked.low_numbers
        )
    except Conflict as problem:
        return await _cancel_page(
            request,
            ctx,
            principal,
            course,
            values=values,
            errors={"reason": problem.detail},
            status=409,
        )
    return see(course.id, "cancelled")
