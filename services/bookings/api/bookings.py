"""Bookings: made by web clients for a school, then approved, cancelled, substituted, accepted."""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import Response
from pydantic import EmailStr

from services.bookings.api.deps import AnyPrincipal, Ctx, context_of
from services.bookings.api.schemas import (
    BookingCancelIn,
    BookingIn,
    BookingOut,
    DeclineIn,
    Page,
    SubstituteIn,
    Urn,
)
from services.bookings.domain.model import BookingStatus
from services.bookings.usecases import (
    approval,
    booking,
    cancellation,
    offers,
    queries,
    substitution,
)
from services.bookings.usecases.read_models import BookingView
from shared.web.documented import problems

router = APIRouter(tags=["bookings"])


def out(booking: BookingView) -> BookingOut:
    return BookingOut.model_validate(booking, from_attributes=True)


_NOT_ANSWERED = frozenset(BookingView.model_fields) - frozenset(BookingOut.model_fields)


def out_json(booking: BookingView) -> str:
    """``out(booking)`` as JSON, written from the view without a ``BookingOut`` in between:
    the view has the answer's fields, in its order, and a few more."""
    return booking.model_dump_json(exclude=_NOT_ANSWERED)


IdempotencyKey = Annotated[
    str,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=200,
        description="A repeat with the same key and body returns the first response",
    ),
]


@router.post(
    "/courses/{course_id}/bookings",
    status_code=201,
    response_model=BookingOut,
    summary="Book a place for a participant from a school",
    responses=problems(401, 403, 404, 409, 422, 503),
)
async def create_booking(
    request: Request, principal: AnyPrincipal, course_id: UUID, body: BookingIn, key: IdempotencyKey
) -> Response:
    # the context from the request rather than as ``Ctx``: FastAPI solves each dependency in a
    # step of its own (some 40 Python calls), and this is the route a crowd calls
    ctx = context_of(request)
    result = await booking.create_booking(ctx, principal, course_id, body, key)
    headers = {"Location": f"/bookings/{result.booking.id}"}
    if result.replayed:
        headers["Idempotent-Replayed"] = "true"
    return Response(out_json(result.booking), 201, headers=headers, media_type="application/json")


@router.get(
    "/bookings",
    summary="Bookings you may see: your alliance's, your school's or your own",
    responses=problems(401, 403, 422),
)
async def list_bookings(
    ctx: Ctx,
    principal: AnyPrincipal,
    course: UUID | None = None,
    school: Annotated[Urn | None, Query()] = None,
    participant_email: EmailStr | None = None,
    booking_status: Annotated[BookingStatus | None, Query(alias="status")] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Page[BookingOut]:
    found = await queries.list_bookings(
        ctx,
        principal,
        course_id=course,
        school_urn=school,
        participant_email=participant_email,
        status=booking_status,
        page=page,
        per_page=per_page,
    )
    return Page[BookingOut](
        items=[out(b) for b in found.items], page=page, per_page=per_page, total=found.total
    )


@router.get("/bookings/{booking_id}", summary="A booking", responses=problems(401, 404))
async def get_booking(ctx: Ctx, principal: AnyPrincipal, booking_id: UUID) -> BookingOut:
    return out(await queries.get_booking(ctx, principal, booking_id))


@router.post(
    "/bookings/{booking_id}/cancel",
    summary="Cancel a booking; the fee follows the course's policy",
    responses=problems(401, 403, 404, 409, 422),
)
async def cancel_booking(
    ctx: Ctx, principal: AnyPrincipal, booking_id: UUID, body: BookingCancelIn | None = None
) -> BookingOut:
    body = body or BookingCancelIn()
    return out(
        await cancellation.cancel(
            ctx, principal, booking_id, reason=body.reason, waive_fee=body.waive_fee
        )
    )


@router.post(
    "/bookings/{booking_id}/approve",
    summary="The school's CPD lead approves a booking",
    responses=problems(401, 403, 404, 409),
)
async def approve_booking(ctx: Ctx, principal: AnyPrincipal, booking_id: UUID) -> BookingOut:
    return out(await approval.approve(ctx, principal, booking_id))


@router.post(
    "/bookings/{booking_id}/decline",
    summary="The school's CPD lead declines a booking",
    responses=problems(401, 403, 404, 409, 422),
)
async def decline_booking(
    ctx: Ctx, principal: AnyPrincipal, booking_id: UUID, body: DeclineIn | None = None
) -> BookingOut:
    return out(await approval.decline(ctx, principal, booking_id, body.reason if body else None))


@router.post(
    "/bookings/{booking_id}/substitute",
    summary="Another participant takes the place (no fee)",
    responses=problems(401, 403, 404, 409, 422),
)
async def substitute_booking(
    ctx: Ctx, principal: AnyPrincipal, booking_id: UUID, body: SubstituteIn
) -> BookingOut:
    return out(await substitution.substitute(ctx, principal, booking_id, body.participant))


@router.post(
    "/bookings/{booking_id}/accept-offer",
    summary="Accept a place offered from the waiting list before the offer expires",
    responses=problems(401, 403, 404, 409),
)
async def accept_offer(ctx: Ctx, principal: AnyPrincipal, booking_id: UUID) -> BookingOut:
    return out(await offers.accept_offer(ctx, principal, booking_id))


@router.post(
    "/bookings/{booking_id}/decline-offer",
    summary="Turn down a place offered from the waiting list; it goes to the next in the queue",
    responses=problems(401, 403, 404, 409),
)
async def decline_offer(ctx: Ctx, principal: AnyPrincipal, booking_id: UUID) -> BookingOut:
    return out(await offers.decline_offer(ctx, principal, booking_id))
