"""Personal-data requests: erase or export what Alliance holds about an email address.

An alliance's administrator asks for anyone; anyone signed in (or with a token naming their
email) asks for themselves. A bearer token or the sign-in session."""

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from fastapi.security import HTTPAuthorizationCredentials

from services.bookings.api.deps import Ctx
from services.bookings.usecases import personal_data as uc
from services.bookings.usecases.personal_data import (
    PersonalDataRequestIn,
    PersonalDataRequestView,
)
from shared.errors import Unauthenticated
from shared.identity import Principal
from shared.web.auth import bearer_scheme, verified
from shared.web.documented import documents, problems
from shared.web.signin import identity_of

router = APIRouter(tags=["personal data"])


@documents(401)
async def hats(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> list[Principal]:
    """The token's principal; or every hat of the signed-in person, and the person as
    themselves (their own email, whatever else they are)."""
    if credentials is not None:
        return [verified(request, credentials)]
    identity = await identity_of(request)
    if identity is None:
        raise Unauthenticated("a bearer token or a signed-in session is required")
    person = identity.person
    themselves = Principal(person.subject, frozenset(), "", email=person.email.lower())
    return [*identity.principals, themselves]


Hats = Annotated[list[Principal], Depends(hats)]


@router.post(
    "/personal-data/requests",
    status_code=202,
    summary="Ask to erase, or export, what every service holds about an email address",
    responses=problems(401, 403, 422),
)
async def ask(ctx: Ctx, principals: Hats, body: PersonalDataRequestIn) -> PersonalDataRequestView:
    return await uc.ask(ctx, principals, body)


@router.get(
    "/personal-data/requests",
    summary="The personal-data requests this caller made or administers",
    responses=problems(401),
)
async def listing(ctx: Ctx, principals: Hats) -> list[PersonalDataRequestView]:
    return await uc.listing(ctx, principals)


@router.get(
    "/personal-data/requests/{request_id}",
    summary="A personal-data request: which services have done their part",
    responses=problems(401, 404),
)
async def status(ctx: Ctx, principals: Hats, request_id: UUID) -> PersonalDataRequestView:
    return await uc.status(ctx, principals, request_id)


@router.get(
    "/personal-data/requests/{request_id}/export",
    summary="The collected export of a subject access request, once (then it is not kept)",
    responses=problems(401, 404, 409),
)
async def export(ctx: Ctx, principals: Hats, request_id: UUID) -> dict[str, Any]:
    return await uc.download(ctx, principals, request_id)
