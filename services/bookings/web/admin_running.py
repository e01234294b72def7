"""Running a course: a session's register (each confirmed place ticked attended or not; again
to correct it) and closing the register after the last session, asked first because each
no-show pays the policy's fee."""

from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.bookings.api.deps import Ctx
from services.bookings.domain.model import BookingStatus
from services.bookings.usecases import attendance
from services.bookings.usecases.inputs import RegisterMarks
from services.bookings.web.admin_bookings import every_booking
from services.bookings.web.admin_common import CourseAdmin, admin_page, check_csrf
from services.bookings.web.refusals import PageRoute
from shared.errors import Conflict

router = APIRouter(include_in_schema=False, route_class=PageRoute)
SessionIndex = Annotated[int, Path(ge=0, le=49)]


@router.get("/admin/courses/{course_id}/register/{session_index}", response_class=HTMLResponse)
async def register_page(
    request: Request,
    ctx: Ctx,
    admin: CourseAdmin,
    session_index: SessionIndex,
    attended: int | None = None,
    absent: int | None = None,
) -> Response:
    principal, course = admin
    if session_index >= len(course.sessions):
        return RedirectResponse(f"/admin/courses/{course.id}", status_code=303)
    found = await every_booking(ctx, principal, course)
    confirmed = [b for b in found if b.status is BookingStatus.CONFIRMED]
    saved = await attendance.session_register(ctx, principal, course.id, session_index)
    return admin_page(
        request,
        "admin/register.html",
        principal,
        course=course,
        session_index=session_index,
        session=course.sessions[session_index],
        confirmed=confirmed,
        saved={m.booking_id: m.attended for m in saved.marks},
        taken=None if attended is None else (attended, absent or 0),
        errors=None,
    )


@router.post("/admin/courses/{course_id}/register/{session_index}", response_class=HTMLResponse)
async def take_register(
    request: Request, ctx: Ctx, admin: CourseAdmin, session_index: SessionIndex
) -> Response:
    principal, course = admin
    form = await request.form()
    check_csrf(request, str(form.get("csrf_token", "")))
    present = {str(v) for v in form.getlist("attended")}
    found = await every_booking(ctx, principal, course)
    confirmed = [b for b in found if b.status is BookingStatus.CONFIRMED]
    marks = [{"booking_id": str(b.id), "attended": str(b.id) in present} for b in confirmed]
    try:
        if not marks:
            raise Conflict("Nobody holds a confirmed place: there is no register to take.")
        register = RegisterMarks.model_validate({"marks": marks})
        taken = await attendance.take_register(ctx, principal, course.id, session_index, register)
    except Conflict as refused:
        return admin_page(
            request,
            "admin/register.html",
            principal,
            409,
            course=course,
            session_index=session_index,
            session=course.sessions[min(session_index, len(course.sessions) - 1)],
            confirmed=confirmed,
            saved={b.id: str(b.id) in present for b in confirmed},  # as they were ticked
            taken=None,
            errors={"register": refused.detail},
        )
    return RedirectResponse(
        f"/admin/courses/{course.id}/register/{session_index}"
        f"?attended={taken['attended']}&absent={taken['absent']}",
        status_code=303,
    )


@router.get("/admin/courses/{course_id}/complete", response_class=HTMLResponse)
async def confirm_complete(request: Request, admin: CourseAdmin) -> HTMLResponse:
    principal, course = admin
    return admin_page(
        request,
        "admin/confirm.html",
        principal,
        current="courses",
        heading="Close the register?",
        explain=(
            "Each confirmed place ends attended, partly attended or as a no-show, from the "
            "registers taken. No-shows pay the course's no-show charge. This cannot be undone."
        ),
        action=f"/admin/courses/{course.id}/complete",
        button="Yes, close the register",
        back=f"/admin/courses/{course.id}",
    )


@router.post("/admin/courses/{course_id}/complete", response_class=HTMLResponse)
async def complete(
    request: Request,
    ctx: Ctx,
    admin: CourseAdmin,
    csrf_token: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    principal, course = admin
    check_csrf(request, csrf_token)
    await attendance.complete_course(ctx, principal, course.id)
    return RedirectResponse(f"/admin/courses/{course.id}?done=completed", status_code=303)
