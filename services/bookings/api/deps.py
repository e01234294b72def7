"""Dependencies shared by the routers."""

from typing import Annotated, Any

from fastapi import Depends, Request
from pydantic import BaseModel

from services.bookings.usecases.context import BookingsContext
from shared.identity import Principal, Role
from shared.web.auth import current_principal, optional_principal, require_roles
from shared.web.problems import PROBLEM_JSON


async def get_ctx(request: Request) -> BookingsContext:  # async: no hop to the thread pool
    return request.app.state.bookings


async def catalogue_rate_limit(request: Request) -> None:
    await request.app.state.catalogue_rate_limit(request)


Ctx = Annotated[BookingsContext, Depends(get_ctx)]
AnyPrincipal = Annotated[Principal, Depends(current_principal)]
MaybePrincipal = Annotated[Principal | None, Depends(optional_principal)]
Admin = Annotated[Principal, Depends(require_roles(Role.ALLIANCE_ADMIN))]
RateLimited = Depends(catalogue_rate_limit)


class ProblemOut(BaseModel):
    type: str = "about:blank"
    title: str
    status: int
    detail: str
    instance: str | None = None


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the problem responses an operation can give."""
    return {
        status: {"model": ProblemOut, "content": {PROBLEM_JSON: {}}, "description": "Problem"}
        for status in statuses
    }
