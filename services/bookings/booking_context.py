"""SQL for new bookings: what a group of booking requests on one course needs to know, read
in one round trip once the course is locked."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sqlalchemy import Row, Text, and_, bindparam, column, func, select, true
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from services.bookings.domain.model import BookingStatus
from services.bookings.repository import HELD, LIVE_INLINE
from services.bookings.tables import bookings, idempotency_keys, memberships, schools


def _bookings_context_statement() -> Any:
    course_id = bindparam("course_id")
    keys = idempotency_keys
    asked = (
        func.unnest(
            bindparam("urns", type_=ARRAY(Text)),
            bindparam("emails", type_=ARRAY(Text)),
            bindparam("scopes", type_=ARRAY(Text)),
            bindparam("keys", type_=ARRAY(Text)),
        )
        .table_valued(
            column("urn", Text),
            column("email", Text),
            column("scope", Text),
            column("key", Text),
            with_ordinality="n",
        )
        .render_derived(name="asked")
    )
    tally = (
        select(
            func.count().filter(bookings.c.status.in_(HELD)).label("held"),
            func.count()
            .filter(bookings.c.status == BookingStatus.WAITLISTED.value)
            .label("waiting"),
        )
        .where(bookings.c.course_id == course_id)
        .subquery()
    )
    live = (
        select(bookings.c.id)
        .where(
            bookings.c.course_id == course_id,
            func.lower(bookings.c.participant_email) == asked.c.email,
            bookings.c.status.in_(LIVE_INLINE),
        )
        .limit(1)
        .scalar_subquery()
    )
    member = (
        select(memberships.c.urn)
        .where(
            memberships.c.urn == asked.c.urn,
            memberships.c.alliance_id == bindparam("alliance_id"),
        )
        .exists()
    )
    return (
        select(
            tally.c.held,
            tally.c.waiting,
            live.label("live_booking_id"),
            schools.c.urn,
            schools.c.name.label("school_name"),
            schools.c.cpd_lead_name,
            schools.c.cpd_lead_email,
            schools.c.requires_approval,
            member.label("is_member"),
            keys.c.request_hash.label("stored_hash"),
            keys.c.response.label("stored_response"),
        )
        .select_from(
            asked.join(tally, true())
            .outerjoin(schools, schools.c.urn == asked.c.urn)
            .outerjoin(keys, and_(keys.c.scope == asked.c.scope, keys.c.key == asked.c.key))
        )
        .order_by(asked.c.n)
    )


BOOKINGS_CONTEXT = _bookings_context_statement()


@dataclass(frozen=True)
class Asked:
    """What one booking request names: the school, the participant, its idempotency key."""

    urn: str
    email: str
    scope: str
    key: str


async def bookings_context(
    session: AsyncSession, course_id: UUID, alliance_id: str, asked: Sequence[Asked]
) -> list[Row]:
    """In one round trip, what new bookings need once the course is locked: one row per
    request of ``asked``, in its order, each with the places held and bookings waiting, the
    participant's live booking if any (``live_booking_id``), the school (``urn`` is None when
    unregistered) with ``is_member`` of the course's alliance, and what is stored under the
    request's idempotency key (``stored_hash`` None if nothing)."""
    values = {
        "course_id": course_id,
        "alliance_id": alliance_id,
        "urns": [a.urn for a in asked],
        "emails": [a.email.lower() for a in asked],
        "scopes": [a.scope for a in asked],
        "keys": [a.key for a in asked],
    }
    return list((await session.execute(BOOKINGS_CONTEXT, values)).all())
