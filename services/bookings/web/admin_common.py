"""What the alliance administrator's pages share: who is acting (the signed-in person's
administrator hat for the alliance in the path, or for the course's alliance) and reading a
form's CSRF token. Refusals are pages (``refusals.PageRoute``).

Pages take the session only (a bearer token is for the JSON API). Another alliance's course is
404, another alliance's pages are 403, as the use cases decide for the API.
"""

from typing import Annotated, Any
from uuid import UUID

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse

from services.bookings.api.deps import Ctx
from services.bookings.usecases import queries
from services.bookings.usecases.read_models import CourseView
from services.bookings.web.pages import csrf_of, render
from shared.errors import Forbidden, NotFound
from shared.identity import Principal, Role
from shared.web.signin import SignedIn


async def alliance_admin(request: Request, identity: SignedIn) -> Principal:
    """The signed-in person as an administrator of the path's ``alliance_id``."""
    alliance_id = request.path_params.get("alliance_id", "")
    hat = identity.acting_as(Role.ALLIANCE_ADMIN, alliance_id=alliance_id)
    if hat is None:
        raise Forbidden(f"Only the administrators of {alliance_id} can see this page.")
    return hat


AllianceAdmin = Annotated[Principal, Depends(alliance_admin)]


async def course_admin(
    request: Request, ctx: Ctx, identity: SignedIn, course_id: UUID
) -> tuple[Principal, CourseView]:
    """The course and the signed-in person's administrator hat for its alliance."""
    for hat in identity.principals:
        if not hat.has(Role.ALLIANCE_ADMIN):
            continue
        try:
            course = await queries.get_course(ctx, hat, course_id)
        except NotFound:
            continue
        if course.alliance_id == hat.alliance_id:
            return hat, course
    # Whether another alliance's course exists is none of this person's business.
    raise NotFound("There is no such course among your alliance's courses.")


CourseAdmin = Annotated[tuple[Principal, CourseView], Depends(course_admin)]


def check_csrf(request: Request, submitted: str) -> None:
    csrf_of(request).check(request, submitted)


def admin_page(
    request: Request, template: str, principal: Principal, status: int = 200, **context: Any
) -> HTMLResponse:
    """An administrator's page: the alliance's pages in its sub-navigation."""
    return render(request, template, status, admin=principal, **context)
