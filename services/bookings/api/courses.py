"""Course catalogue (public) and course administration (the alliance's administrators)."""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, status

from services.bookings.api.deps import Admin, Ctx, MaybePrincipal, RateLimited
from services.bookings.api.schemas import (
    CourseCancelIn,
    CourseIn,
    CourseOut,
    CoursePatch,
    IsoDate,
    Page,
)
from services.bookings.domain.model import CourseStatus, Phase, Strand
from services.bookings.usecases import courses as uc
from services.bookings.usecases import queries
from services.bookings.usecases.inputs import CourseFilters
from services.bookings.usecases.read_models import CourseView
from shared.web.documented import problems

router = APIRouter(tags=["courses"])


def out(course: CourseView) -> CourseOut:
    return CourseOut.model_validate(course, from_attributes=True)


@router.post(
    "/courses",
    status_code=status.HTTP_201_CREATED,
    summary="Draft a course (alliance administrators)",
    responses=problems(401, 403, 422),
)
async def create_course(ctx: Ctx, principal: Admin, body: CourseIn) -> CourseOut:
    return out(await uc.create_course(ctx, principal, body))


@router.get(
    "/courses",
    summary="The public catalogue: published courses, filtered and paginated",
    dependencies=[RateLimited],
    responses=problems(422, 429),
)
async def list_courses(
    ctx: Ctx,
    principal: MaybePrincipal,
    alliance: Annotated[str | None, Query(max_length=100)] = None,
    strand: Strand | None = None,
    phase: Phase | None = None,
    starts_from: Annotated[IsoDate | None, Query(description="First session on or after")] = None,
    starts_to: Annotated[IsoDate | None, Query(description="First session on or before")] = None,
    has_places: bool | None = None,
    course_status: Annotated[
        CourseStatus, Query(alias="status", description="draft: your own alliance's only")
    ] = CourseStatus.PUBLISHED,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Page[CourseOut]:
    filters = CourseFilters(
        alliance=alliance,
        strand=strand,
        phase=phase,
        starts_from=starts_from,
        starts_to=starts_to,
        has_places=has_places,
        status=course_status,
    )
    found = await queries.list_courses(ctx, principal, filters, page, per_page)
    return Page[CourseOut](
        items=[out(c) for c in found.items], page=page, per_page=per_page, total=found.total
    )


@router.get(
    "/courses/{course_id}",
    summary="A course with the places left",
    dependencies=[RateLimited],
    responses=problems(404, 429),
)
async def get_course(ctx: Ctx, principal: MaybePrincipal, course_id: UUID) -> CourseOut:
    return out(await queries.get_course(ctx, principal, course_id))


@router.patch(
    "/courses/{course_id}",
    summary="Change a draft or published course",
    responses=problems(401, 403, 404, 409, 422),
)
async def change_course(
    ctx: Ctx, principal: Admin, course_id: UUID, body: CoursePatch
) -> CourseOut:
    return out(await uc.change_course(ctx, principal, course_id, body))


@router.post(
    "/courses/{course_id}/publish",
    summary="Publish a draft: it appears in the catalogue and takes bookings",
    responses=problems(401, 403, 404, 409),
)
async def publish_course(ctx: Ctx, principal: Admin, course_id: UUID) -> CourseOut:
    return out(await uc.publish_course(ctx, principal, course_id))


@router.post(
    "/courses/{course_id}/cancel",
    summary="Cancel a course: every live booking is cancelled and refunded in full",
    responses=problems(401, 403, 404, 409, 422),
)
async def cancel_course(
    ctx: Ctx, principal: Admin, course_id: UUID, body: CourseCancelIn
) -> CourseOut:
    return out(
        await uc.cancel_course(ctx, principal, course_id, body.reason, low_numbers=body.low_numbers)
    )
