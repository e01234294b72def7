"""The SQL of personal-data requests: the requests and answers, bookings' own erasure and export
of one person, and the retention of participants' details."""

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Row, and_, delete, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.bookings.tables import (
    bookings,
    courses,
    evaluations,
    idempotency_keys,
    metadata,
    personal_data_answers,
    personal_data_requests,
    schools,
    staff,
)
from shared.contracts.privacy import PersonalDataRequested
from shared.storage.personal_data import (
    ERASED,
    fit,
    forget_published,
    mentions,
    placeholder,
    rows_naming,
    scrub,
)

requests_t, answers_t = personal_data_requests, personal_data_answers
PRIVATE = ("personal_data_requests", "personal_data_answers", "outbox", "inbox")
"""Tables an export leaves out: the request itself, the exports, the event plumbing."""


# Requests and answers


async def add_request(session: AsyncSession, values: dict[str, Any]) -> None:
    await session.execute(insert(requests_t).values(values))


async def get_request(session: AsyncSession, request_id: UUID, *, lock: bool = False) -> Row | None:
    query = select(requests_t).where(requests_t.c.id == request_id)
    if lock:
        query = query.with_for_update()
    return (await session.execute(query)).first()


async def list_requests(
    session: AsyncSession, alliance_ids: list[str], subject: str, limit: int = 100
) -> list[Row]:
    """Those of the given alliances and those this subject made, newest first."""
    query = (
        select(requests_t)
        .where(
            (requests_t.c.alliance_id.in_(alliance_ids)) | (requests_t.c.requested_by == subject)
        )
        .order_by(requests_t.c.requested_at.desc())
        .limit(limit)
    )
    return list((await session.execute(query)).all())


async def add_answer(
    session: AsyncSession,
    request_id: UUID,
    service: str,
    at: datetime,
    rows: int,
    data: dict[str, Any] | None,
    truncated: bool = False,
) -> None:
    """Once per (request, service): a repeated answer changes nothing."""
    statement = insert(answers_t).values(
        request_id=request_id,
        service=service,
        answered_at=at,
        rows=rows,
        data=data,
        truncated=truncated,
    )
    await session.execute(statement.on_conflict_do_nothing())


async def answers(session: AsyncSession, request_id: UUID) -> list[Row]:
    query = select(answers_t).where(answers_t.c.request_id == request_id)
    return list((await session.execute(query.order_by(answers_t.c.service))).all())


async def complete(session: AsyncSession, request_id: UUID, at: datetime) -> None:
    """Every service has answered: the event that carried the email (published by now: the
    answers came from reading it) is not kept, nor is the email in it."""
    await session.execute(
        update(requests_t).where(requests_t.c.id == request_id).values(completed_at=at)
    )
    outbox = metadata.tables["outbox"]
    mine = and_(
        outbox.c.event_type == PersonalDataRequested.event_type, outbox.c.key == str(request_id)
    )
    await session.execute(delete(outbox).where(mine, outbox.c.published_at.is_not(None)))
    without_email = outbox.c.payload.op("-")("email")
    await session.execute(update(outbox).where(mine).values(payload=without_email))


async def mark_downloaded(session: AsyncSession, request_id: UUID, at: datetime) -> None:
    """The export was handed over: its parts are not kept."""
    await session.execute(
        update(requests_t).where(requests_t.c.id == request_id).values(downloaded_at=at)
    )
    await session.execute(
        update(answers_t).where(answers_t.c.request_id == request_id).values(data=None)
    )


async def drop_old_exports(session: AsyncSession, before: datetime, batch: int) -> int:
    """Exports' parts received before ``before`` (not downloaded in time), one batch."""
    keys = (
        select(answers_t.c.request_id, answers_t.c.service)
        .where(answers_t.c.data.is_not(None), answers_t.c.answered_at < before)
        .limit(batch)
    )
    statement = (
        update(answers_t)
        .where(func.row(answers_t.c.request_id, answers_t.c.service).in_(keys))
        .values(data=None)
    )
    return (await session.execute(statement)).rowcount or 0


# One person's data here


def _participant_erased() -> dict[str, Any]:
    return {
        "participant_name": ERASED,
        "participant_email": placeholder(bookings.c.id),
        "participant_role": None,
        "access_needs": None,
    }


async def erase(session: AsyncSession, email: str) -> int:
    """Anonymise ``email``'s data: bookings keep their course, school, status, price and fee
    (so counts and money stay) but lose the names and addresses; the rest is scrubbed."""
    email = email.lower()
    changed = 0

    async def run(statement: Any) -> None:
        nonlocal changed
        changed += (await session.execute(statement)).rowcount or 0

    theirs = select(bookings.c.id).where(func.lower(bookings.c.participant_email) == email)
    await run(update(evaluations).where(evaluations.c.booking_id.in_(theirs)).values(comments=None))
    await run(
        update(bookings)
        .where(func.lower(bookings.c.participant_email) == email)
        .values(_participant_erased())
    )
    await run(
        update(bookings)
        .where(func.lower(bookings.c.booker_email) == email)
        .values(booker_name=ERASED, booker_email=placeholder(bookings.c.id), booker_subject=ERASED)
    )
    await run(
        update(schools)
        .where(func.lower(schools.c.cpd_lead_email) == email)
        .values(cpd_lead_name=ERASED, cpd_lead_email=placeholder(schools.c.urn))
    )
    await run(
        update(courses)
        .where(func.lower(courses.c.administrator_email) == email)
        .values(administrator_email=None)
    )
    await run(
        update(courses)
        .where(func.lower(courses.c.facilitator_email) == email)
        .values(facilitator_email=None)
    )
    await run(delete(staff).where(func.lower(staff.c.email) == email))
    await run(delete(idempotency_keys).where(mentions(idempotency_keys, email)))
    changed += await forget_published(session, metadata.tables["outbox"], email)
    changed += await scrub(session, metadata.sorted_tables, email)
    return changed


async def export(
    session: AsyncSession, email: str, alliance_id: str | None
) -> tuple[dict[str, Any], bool]:
    """The rows that name ``email``, by table (only ``alliance_id``'s, when given); and
    whether they had to be cut to fit one message."""
    tables = [t for t in metadata.sorted_tables if t.name not in PRIVATE]
    scopes = None
    if alliance_id is not None:
        of_alliance = select(courses.c.id).where(courses.c.alliance_id == alliance_id)
        its_bookings = select(bookings.c.id).where(bookings.c.course_id.in_(of_alliance))
        scopes = {
            "courses": courses.c.alliance_id == alliance_id,
            "bookings": bookings.c.course_id.in_(of_alliance),
            "evaluations": evaluations.c.booking_id.in_(its_bookings),
            "staff": staff.c.alliance_id == alliance_id,
            "schools": schools.c.registered_by_alliance == alliance_id,
        }
    data = await rows_naming(session, tables, email.lower(), scopes)
    return data, fit(data)


# Retention


async def anonymise_past_participants(
    session: AsyncSession, ended_before: datetime, batch: int
) -> int:
    """Bookings of courses that ended before ``ended_before``: one batch loses its names and
    addresses (as in an erasure)."""
    old = (
        select(bookings.c.id)
        .join(courses, courses.c.id == bookings.c.course_id)
        .where(courses.c.ends_at < ended_before, bookings.c.participant_name != ERASED)
        .order_by(bookings.c.id)
        .limit(batch)
    )
    values = _participant_erased() | {
        "booker_name": ERASED,
        "booker_email": placeholder(bookings.c.id),
        "booker_subject": ERASED,
    }
    await session.execute(
        update(evaluations).where(evaluations.c.booking_id.in_(old)).values(comments=None)
    )
    return (
        await session.execute(update(bookings).where(bookings.c.id.in_(old)).values(values))
    ).rowcount or 0
