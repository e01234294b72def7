"""Running a course: the register per session, closing it, certificates and evaluations."""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel

from services.bookings.api.deps import Admin, AnyPrincipal, Ctx, MaybePrincipal
from services.bookings.usecases import attendance, certificates, evaluation
from services.bookings.usecases.attendance import SessionRegister
from services.bookings.usecases.evaluation import EvaluationSummary
from services.bookings.usecases.inputs import Evaluation, RegisterMarks
from shared.web.documented import problems

router = APIRouter(tags=["running a course"])


class RegisterOut(BaseModel):
    session_index: int
    attended: int
    absent: int


class CompletedOut(BaseModel):
    bookings_settled: int


@router.put(
    "/courses/{course_id}/sessions/{session_index}/register",
    summary="Mark each confirmed booking attended or absent at a session (administrators or "
    "the course's facilitator); again to correct it",
    responses=problems(401, 403, 404, 409, 422),
)
async def take_register(
    ctx: Ctx,
    principal: AnyPrincipal,
    course_id: UUID,
    session_index: Annotated[int, Path(ge=0, le=49)],
    body: RegisterMarks,
) -> RegisterOut:
    taken = await attendance.take_register(ctx, principal, course_id, session_index, body)
    return RegisterOut(**taken)


@router.get(
    "/courses/{course_id}/sessions/{session_index}/register",
    summary="The marks saved at a session (administrators or the course's facilitator); no "
    "marks until its register is taken",
    responses=problems(401, 403, 404, 422),
)
async def session_register(
    ctx: Ctx,
    principal: AnyPrincipal,
    course_id: UUID,
    session_index: Annotated[int, Path(ge=0, le=49)],
) -> SessionRegister:
    return await attendance.session_register(ctx, principal, course_id, session_index)


@router.post(
    "/courses/{course_id}/complete",
    summary="Close the register after the last session: each booking ends attended, partly "
    "attended or no-show (which pays the policy's no-show fee)",
    responses=problems(401, 403, 404, 409),
)
async def complete_course(ctx: Ctx, principal: AnyPrincipal, course_id: UUID) -> CompletedOut:
    return CompletedOut(
        bookings_settled=await attendance.complete_course(ctx, principal, course_id)
    )


@router.get(
    "/bookings/{booking_id}/certificate.pdf",
    summary="The certificate of attendance (the participant, their CPD lead, the "
    "administrators, or the signed link from the email)",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}, **problems(401, 404, 409)},
)
async def certificate(
    ctx: Ctx,
    principal: MaybePrincipal,
    booking_id: UUID,
    sig: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    pdf = await certificates.certificate(ctx, principal, booking_id, sig)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": 'attachment; filename="certificate-of-attendance.pdf"'},
    )


@router.post(
    "/bookings/{booking_id}/evaluation",
    status_code=204,
    summary="The participant evaluates the course after its last session (once)",
    responses=problems(401, 403, 404, 409, 422),
)
async def evaluate(
    ctx: Ctx, principal: AnyPrincipal, booking_id: UUID, body: Evaluation
) -> Response:
    await evaluation.evaluate(ctx, principal, booking_id, body)
    return Response(status_code=204)


@router.get(
    "/courses/{course_id}/evaluations",
    summary="A summary of the course's evaluations (administrators)",
    responses=problems(401, 403, 404),
)
async def evaluations(ctx: Ctx, principal: Admin, course_id: UUID) -> EvaluationSummary:
    return await evaluation.summary(ctx, principal, course_id)
