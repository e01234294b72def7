"""Dependencies shared by the routers."""

from typing import Annotated

from fastapi import Depends, Request

from services.bookings.usecases.context import BookingsContext
from shared.identity import Principal, Role
from shared.web.auth import current_principal, optional_principal, require_roles
from shared.web.documented import documents


def context_of(request: Request) -> BookingsContext:
    bookings: BookingsContext = request.app.state.bookings
    return bookings


@documents(503)
async def get_ctx(request: Request) -> BookingsContext:  # async: no hop to the thread pool
    return context_of(request)


@documents(429)
async def catalogue_rate_limit(request: Request) -> None:
    await request.app.state.catalogue_rate_limit(request)


Ctx = Annotated[BookingsContext, Depends(get_ctx)]
AnyPrincipal = Annotated[Principal, Depends(current_principal)]
MaybePrincipal = Annotated[Principal | None, Depends(optional_principal)]
Admin = Annotated[Principal, Depends(require_roles(Role.ALLIANCE_ADMIN))]
RateLimited = Depends(catalogue_rate_limit)
