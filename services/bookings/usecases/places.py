"""What the participant's and the school CPD lead's pages read: one person's places, a school's
bookings (upcoming and started) and its approval queue, and which of a signed-in person's hats
acts on a given booking."""

from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from pydantic import BaseModel

from services.bookings import listings
from services.bookings import repository as repo
from services.bookings.domain.model import BookingStatus
from services.bookings.usecases.access import is_admin_of, is_participant_of, is_school_lead_of
from services.bookings.usecases.context import BookingsContext
from services.bookings.usecases.read_models import BookingView, booking_view
from shared.errors import Forbidden, NotFound
from shared.identity import Principal

SHOWN = 100
"""At most this many bookings in each part of a page (the rest are counted)."""


class BookingsPart(BaseModel):
    items: list[BookingView]
    total: int


class Places(BaseModel):
    """Bookings split by their course's start: not started yet (soonest first), started or
    over (latest first); for a school, also those waiting for its CPD lead's approval."""

    upcoming: BookingsPart
    past: BookingsPart
    awaiting_approval: BookingsPart | None = None


@dataclass(frozen=True)
class ActingOn:
    """The hat a person acts with on one booking, and the booking as that hat sees it."""

    principal: Principal
    """The most capable hat: the school's CPD lead, else an administrator, else the participant."""
    booking: BookingView
    as_school_lead: bool
    as_admin: bool
    participant: Principal | None
    """The hat of the booking's participant, if the person is that participant."""


async def acting_on(
    ctx: BookingsContext, principals: Sequence[Principal], booking_id: UUID
) -> ActingOn:
    """How ``principals`` (one person's hats) act on the booking; 404 when none may see it."""
    async with ctx.runtime.sessions() as session:
        row = await repo.get_booking(session, booking_id)
    if row is None:
        raise NotFound("no such booking")
    lead = next((p for p in principals if is_school_lead_of(p, row.school_urn)), None)
    admin = next((p for p in principals if is_admin_of(p, row.alliance_id)), None)
    participant = next((p for p in principals if is_participant_of(p, row.participant_email)), None)
    principal = lead or admin or participant
    if principal is None:
        raise NotFound("no such booking")
    return ActingOn(
        principal=principal,
        booking=booking_view(ctx, row),
        as_school_lead=lead is not None,
        as_admin=admin is not None,
        participant=participant,
    )


async def _part(
    ctx: BookingsContext,
    scope: listings.BookingScope,
    *,
    upcoming: bool,
    status: BookingStatus | None = None,
) -> BookingsPart:
    async with ctx.runtime.sessions() as session:
        total, rows = await listings.bookings_by_start(
            session, scope, now=ctx.clock.now(), upcoming=upcoming, status=status, limit=SHOWN
        )
    return BookingsPart(items=[booking_view(ctx, r) for r in rows], total=total)


async def my_places(ctx: BookingsContext, email: str) -> Places:
    """The bookings made for ``email`` (the signed-in person's own, whoever booked them)."""
    scope = listings.BookingScope(participant_email=email.lower())
    return Places(
        upcoming=await _part(ctx, scope, upcoming=True),
        past=await _part(ctx, scope, upcoming=False),
    )


async def school_places(ctx: BookingsContext, principal: Principal, urn: str) -> Places:
    """A school's bookings, for the CPD lead its record names."""
    check_leads(principal, urn)
    scope = listings.BookingScope(school_urn=urn)
    return Places(
        upcoming=await _part(ctx, scope, upcoming=True),
        past=await _part(ctx, scope, upcoming=False),
        awaiting_approval=await approval_queue(ctx, principal, urn),
    )


async def approval_queue(ctx: BookingsContext, principal: Principal, urn: str) -> BookingsPart:
    """The school's bookings waiting for its CPD lead, soonest course first."""
    check_leads(principal, urn)
    return await _part(
        ctx,
        listings.BookingScope(school_urn=urn),
        upcoming=True,
        status=BookingStatus.AWAITING_APPROVAL,
    )


def check_leads(principal: Principal, urn: str) -> None:
    if not is_school_lead_of(principal, urn):
        raise Forbidden("only the school's CPD lead sees its bookings")
