"""SQL for new bookings: what a group of booking requests (on one course or several) needs to
know, read in one round trip once their courses are locked, and what the group writes, in one
more."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any
from uuid import UUID

from sqlalchemy import (
    Column,
    Row,
    Table,
    Text,
    Uuid,
    and_,
    bindparam,
    column,
    func,
    select,
    true,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert

from services.bookings.domain.course import Course
from services.bookings.domain.model import BookingStatus
from services.bookings.repository import HELD, LIVE_INLINE
from services.bookings.store import booking_values
from services.bookings.tables import bookings, courses, idempotency_keys, memberships, schools
from shared.storage.direct import Direct, DirectConnection


def _bookings_context_statement() -> Any:
    keys = idempotency_keys
    asked = (
        func.unnest(
            bindparam("course_ids", type_=ARRAY(Uuid)),
            bindparam("alliance_ids", type_=ARRAY(Text)),
            bindparam("urns", type_=ARRAY(Text)),
            bindparam("emails", type_=ARRAY(Text)),
            bindparam("scopes", type_=ARRAY(Text)),
            bindparam("keys", type_=ARRAY(Text)),
        )
        .table_valued(
            column("course_id", Uuid),
            column("alliance_id", Text),
            column("urn", Text),
            column("email", Text),
            column("scope", Text),
            column("key", Text),
            with_ordinality="n",
        )
        .render_derived(name="asked")
    )
    # counted once per course of the group, not once per request
    counted = (
        func.unnest(bindparam("courses", type_=ARRAY(Uuid)))
        .table_valued(column("id", Uuid))
        .render_derived(name="counted")
    )
    counts = (
        select(
            func.count().filter(bookings.c.status.in_(HELD)).label("held"),
            func.count()
            .filter(bookings.c.status == BookingStatus.WAITLISTED.value)
            .label("waiting"),
        )
        .where(bookings.c.course_id == counted.c.id)
        .lateral("counts")
    )
    tally = (
        select(counted.c.id, counts.c.held, counts.c.waiting)
        .select_from(counted.join(counts, true()))
        .subquery("tally")
    )
    live = (
        select(bookings.c.id)
        .where(
            bookings.c.course_id == asked.c.course_id,
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
            memberships.c.alliance_id == asked.c.alliance_id,
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
            asked.join(tally, tally.c.id == asked.c.course_id)
            .outerjoin(schools, schools.c.urn == asked.c.urn)
            .outerjoin(keys, and_(keys.c.scope == asked.c.scope, keys.c.key == asked.c.key))
        )
        .order_by(asked.c.n)
    )


BOOKINGS_CONTEXT = Direct(_bookings_context_statement())


@dataclass(frozen=True)
class Asked:
    """What one booking request names: the course, the school, the participant, its
    idempotency key."""

    course_id: UUID
    urn: str
    email: str
    scope: str
    key: str


async def bookings_context(
    connection: DirectConnection, alliances: Mapping[UUID, str], asked: Sequence[Asked]
) -> list[Row]:
    """In one round trip, what new bookings need once their courses (``alliances``: each
    one's alliance, by id) are locked: one row per request of ``asked``, in its order, each
    with the places held and bookings waiting on its course, the participant's live booking
    there if any (``live_booking_id``), the school (``urn`` is None when unregistered) with
    ``is_member`` of the course's alliance, and what is stored under the request's idempotency
    key (``stored_hash`` None if nothing)."""
    values = {
        "courses": list(alliances),
        "course_ids": [a.course_id for a in asked],
        "alliance_ids": [alliances[a.course_id] for a in asked],
        "urns": [a.urn for a in asked],
        "emails": [a.email.lower() for a in asked],
        "scopes": [a.scope for a in asked],
        "keys": [a.key for a in asked],
    }
    return await connection.all(BOOKINGS_CONTEXT, values)


def _unnest(prefix: str, columns: Sequence[Column[Any]]) -> Any:
    """A table of rows passed as one array per column (bind parameters ``<prefix>_<column>``),
    in the arrays' order (``n``)."""
    return (
        func.unnest(*(bindparam(f"{prefix}_{c.name}", type_=ARRAY(c.type)) for c in columns))
        .table_valued(*(column(c.name, c.type) for c in columns), with_ordinality="n")
        .render_derived(name=f"{prefix}_rows")
    )


def _inserted(prefix: str, table: Table, names: Sequence[str]) -> Any:
    """``INSERT INTO table (names) SELECT ... FROM unnest(...) ORDER BY n``: the rows in order."""
    rows = _unnest(prefix, [table.c[name] for name in names])
    chosen = select(*(rows.c[name] for name in names)).order_by(rows.c.n)
    return pg_insert(table).from_select(names, chosen)


BOOKING_COLUMNS = [c.name for c in bookings.c if c.name != "updated_at"]
OUTBOX_COLUMNS = ["event_id", "topic", "key", "event_type", "headers", "payload"]
KEY_COLUMNS = ["scope", "key", "request_hash", "response"]


@cache
def _write_statement(outbox: Table) -> Direct:
    """The courses' queue counters (those that moved), the new bookings, their outbox rows and
    the requests' idempotency keys, written in one statement; it returns how many keys were
    new."""
    moved = _unnest("c", [courses.c.id, courses.c.queue_seq])
    course = (
        update(courses)
        .where(courses.c.id == moved.c.id, courses.c.queue_seq != moved.c.queue_seq)
        .values(queue_seq=moved.c.queue_seq, updated_at=func.now())
        .cte("course")
    )
    new_bookings = _inserted("b", bookings, BOOKING_COLUMNS).cte("new_bookings")
    events = _inserted("o", outbox, OUTBOX_COLUMNS).cte("events")
    keys = (
        _inserted("k", idempotency_keys, KEY_COLUMNS)
        .on_conflict_do_nothing()
        .returning(idempotency_keys.c.key)
        .cte("new_keys")
    )
    return Direct(
        select(func.count().label("keys")).select_from(keys).add_cte(course, new_bookings, events)
    )


async def write_new_bookings(
    connection: DirectConnection,
    changed: Sequence[Course],
    outbox: Table,
    events: Sequence[dict[str, Any]],
    keys: Sequence[dict[str, Any]],
) -> int:
    """Write what booking changed on the ``changed`` courses (their queue counters and new
    bookings: the only changes ``Course.book`` makes), the ``events`` (outbox rows) and
    ``keys`` (idempotency key rows; one already kept is left as it is), in one round trip;
    the number of keys written."""
    for course in changed:
        assert not course.changed and not course.planned and set(course.updates) <= {"queue_seq"}
    added = [booking_values(b) for course in changed for b in course.added.values()]
    values: dict[str, Any] = {
        "c_id": [course.id for course in changed],
        "c_queue_seq": [course.queue_seq for course in changed],
    }
    for prefix, names, rows in (
        ("b", BOOKING_COLUMNS, added),
        ("o", OUTBOX_COLUMNS, events),
        ("k", KEY_COLUMNS, keys),
    ):
        values |= {f"{prefix}_{name}": [row[name] for row in rows] for name in names}
    written: int = await connection.scalar(_write_statement(outbox), values)
    for course in changed:
        course.updates.clear()
        course.added.clear()
    return written
