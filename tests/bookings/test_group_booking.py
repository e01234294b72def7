"""Bookings on one course that queue up behind each other are booked together (group commit):
one transaction and one statement per step for the whole group, each request decided in arrival
order with its own answer; a group that cannot commit writes nothing and its requests are booked
one by one.

Since the service keeps one line for all its courses, a group takes requests on several courses,
each course locked once (in the order of their ids) and its requests decided in arrival order.

A group forms deterministically: requests started together (``asyncio.gather``) all join the
course's line before its worker first runs, so they are one group."""

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import pytest
from sqlalchemy import event, func, select
from sqlalchemy.exc import DBAPIError

from services.bookings.config import BookingsSettings
from services.bookings.tables import bookings, idempotency_keys, metadata
from services.bookings.usecases import booking, course_queue, courses, schools, unit_of_work
from services.bookings.usecases.context import BookingsContext
from services.bookings.usecases.inputs import CourseDetails, NewBooking, SchoolDetails
from services.bookings.usecases.read_models import BookingResult
from shared.clock import MovableClock
from shared.context import correlation_id
from shared.errors import Conflict, DomainError, Invalid, NotFound
from shared.identity import Principal, Role
from shared.runtime import ServiceRuntime
from shared.storage import direct
from shared.storage.outage import sqlstate
from tests.bookings.conftest import course_body, new_urn
from tests.support.stack import Stack
from tests.support.wait import eventually

ALLIANCE = "group-tsa"
ADMIN = Principal("admin", frozenset({Role.ALLIANCE_ADMIN}), ALLIANCE, email="admin@tsa.example")


@pytest.fixture(scope="module")
async def ctx(stack: Stack) -> AsyncIterator[BookingsContext]:
    url = await stack.migrated_database("bookings", "groups")
    settings = stack.settings(
        BookingsSettings, BOOKINGS_DATABASE_URL=url, BOOKINGS_LOCK_TIMEOUT_MS=20_000
    )
    runtime = ServiceRuntime("bookings", settings, metadata)
    yield BookingsContext(runtime, MovableClock(), settings)
    await runtime.engine.dispose()


def lead_of(urn: str) -> Principal:
    return Principal(
        f"lead-{urn}", frozenset({Role.SCHOOL_LEAD}), ALLIANCE, urn, f"lead@{urn}.example.org"
    )


async def published_course(ctx: BookingsContext, capacity: int) -> UUID:
    draft = await courses.create_course(ctx, ADMIN, CourseDetails(**course_body(capacity=capacity)))
    return (await courses.publish_course(ctx, ADMIN, draft.id)).id


async def member_school(ctx: BookingsContext) -> str:
    urn = new_urn()
    details = SchoolDetails(
        name=f"School {urn}", cpd_lead_name="Pat Lead", cpd_lead_email=f"lead@{urn}.example.org"
    )
    await schools.put_school(ctx, ADMIN, urn, details)
    await schools.add_member(ctx, ADMIN, ALLIANCE, urn)
    return urn


def request(urn: str, email: str | None = None) -> NewBooking:
    email = email or f"{uuid4().hex[:8]}@school.example"
    return NewBooking.model_validate(
        {"school_urn": urn, "participant": {"name": "Sam Teacher", "email": email}}
    )


Asked = tuple[str, UUID, NewBooking, str]
"""(school urn, course, body, idempotency key)"""


async def together(ctx: BookingsContext, *asked: Asked) -> list[BookingResult | Exception]:
    """Send the requests at once (one group), each answered with its result or its error."""

    async def one(urn: str, course_id: UUID, body: NewBooking, key: str) -> Any:
        correlation_id.set(f"request-{key}")
        return await booking.create_booking(ctx, lead_of(urn), course_id, body, key)

    return await asyncio.gather(*(one(*a) for a in asked), return_exceptions=True)


@contextmanager
def statements(ctx: BookingsContext) -> Iterator[list[str]]:
    """The SQL statements sent (their first words), and a COMMIT per transaction, through
    SQLAlchemy or straight on the driver (``shared.storage.direct``: the groups)."""
    seen: list[str] = []

    def sent(statement: str) -> None:
        seen.append(" ".join(statement.split()[:3]))

    def execute(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        sent(statement)

    def commit(conn: Any) -> None:
        seen.append("COMMIT")

    engine = ctx.runtime.engine.sync_engine
    event.listen(engine, "before_cursor_execute", execute)
    event.listen(engine, "commit", commit)
    try:
        with direct.observed(sent, ctx.runtime.engine):
            yield seen
    finally:
        event.remove(engine, "before_cursor_execute", execute)
        event.remove(engine, "commit", commit)


async def outbox(ctx: BookingsContext, course_id: UUID) -> list[tuple[str, dict[str, Any], Any]]:
    table = ctx.runtime.outbox_table
    async with ctx.runtime.sessions() as session:
        rows = await session.execute(
            select(table.c.event_type, table.c.payload, table.c.headers)
            .where(table.c.key == str(course_id))
            .order_by(table.c.id)
        )
    return [(t.split(".")[3], p, h) for t, p, h in rows]


async def booked(ctx: BookingsContext, course_id: UUID) -> int:
    async with ctx.runtime.sessions() as session:
        query = select(func.count()).where(bookings.c.course_id == course_id)
        return int(await session.scalar(query) or 0)


Waits = Callable[[str], Awaitable[int]]


@asynccontextmanager
async def elsewhere(ctx: BookingsContext) -> AsyncIterator[tuple[asyncpg.Connection, Waits]]:
    """Another session, and how many statements wait for a lock, by how they begin (seen from a
    third session)."""
    url = ctx.runtime.settings.database_url().replace("+asyncpg", "")
    holder, watcher = await asyncpg.connect(url), await asyncpg.connect(url)

    async def waits(query_start: str) -> int:
        return int(
            await watcher.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                "AND query LIKE $1",
                f"{query_start}%",
            )
        )

    try:
        yield holder, waits
    finally:
        await holder.close()
        await watcher.close()


@asynccontextmanager
async def key_being_taken(
    ctx: BookingsContext, urn: str, key: str
) -> AsyncIterator[tuple[Callable[[], Awaitable[None]], Waits]]:
    """Another transaction that has written the idempotency ``key`` of ``urn``'s CPD lead and
    not yet committed (it commits when the caller calls what this yields), and what waits."""
    principal = lead_of(urn)
    async with elsewhere(ctx) as (holder, waits):
        taking = holder.transaction()
        await taking.start()
        await holder.execute(
            "INSERT INTO idempotency_keys (scope, key, request_hash) VALUES ($1, $2, 'other')",
            f"{principal.alliance_id}:{principal.subject}",
            key,
        )
        yield taking.commit, waits


GROUP_STATEMENTS = [
    "SELECT courses.id, courses.alliance_id,",  # the course, locked
    "SELECT tally.held, tally.waiting,",  # every request's context
    "WITH course AS",  # queue counter, bookings, outbox rows, idempotency keys: one statement
    "COMMIT",
]


async def test_one_booking_is_three_statements_and_a_commit(ctx: BookingsContext) -> None:
    course_id = await published_course(ctx, capacity=2)
    urn = await member_school(ctx)
    with statements(ctx) as seen:
        [made] = await together(ctx, (urn, course_id, request(urn), uuid4().hex))
    assert isinstance(made, BookingResult) and made.booking.status == "confirmed"
    assert seen == GROUP_STATEMENTS


async def test_a_group_is_booked_in_one_transaction_each_with_its_own_answer(
    ctx: BookingsContext,
) -> None:
    course_id = await published_course(ctx, capacity=2)
    urn, other = await member_school(ctx), await member_school(ctx)
    unregistered = new_urn()
    first = request(urn)
    [done] = await together(ctx, (urn, course_id, first, "g-first"))
    assert isinstance(done, BookingResult)
    dup = request(urn, "dup@school.example")
    asked: list[Asked] = [
        (urn, course_id, request(urn), "g-1"),  # the last place
        (other, course_id, request(other), "g-2"),  # waiting, 1st
        (unregistered, course_id, request(unregistered), "g-3"),  # refused: not registered
        (urn, course_id, first, "g-first"),  # a replay of the booking made before
        (urn, course_id, request(urn), "g-first"),  # the key again, for another booking
        (urn, course_id, dup, "g-4"),  # waiting, 2nd
        (urn, course_id, dup, "g-5"),  # the same participant again in the group: refused
        (urn, course_id, request(urn, first.participant.email), "g-6"),  # booked before
        (other, course_id, request(other), "g-7"),  # waiting, 3rd
    ]
    with statements(ctx) as seen:
        answers = await together(ctx, *asked)
    assert seen == GROUP_STATEMENTS  # one group, one transaction

    new, waiting, refused, replay, reused, dup_made, dup_again, again, last = answers
    assert isinstance(new, BookingResult) and new.booking.status == "confirmed"
    assert isinstance(waiting, BookingResult) and waiting.booking.waitlist_position == 1
    assert isinstance(refused, Invalid)
    assert refused.errors == [{"field": "school_urn", "message": "not registered"}]
    assert isinstance(replay, BookingResult) and replay.replayed
    assert replay.booking == done.booking
    assert isinstance(reused, Invalid) and reused.title == "Idempotency key reused"
    assert isinstance(dup_made, BookingResult) and dup_made.booking.waitlist_position == 2
    assert isinstance(dup_again, Conflict)
    assert dup_again.extra["booking_id"] == str(dup_made.booking.id)
    assert isinstance(again, Conflict) and again.extra["booking_id"] == str(done.booking.id)
    assert isinstance(last, BookingResult) and last.booking.waitlist_position == 3
    assert not any(a.replayed for a in (new, waiting, dup_made, last))  # type: ignore[union-attr]

    # one outcome event per booking, in arrival order, each with its own request's ids
    events = (await outbox(ctx, course_id))[2:]  # after course_published, the first booking
    made = [new, waiting, dup_made, last]
    assert (
        [(name, p["booking"]["booking_id"]) for name, p, _ in events]
        == [
            ("booking_confirmed", str(new.booking.id)),  # type: ignore[union-attr]
            *(("booking_waitlisted", str(m.booking.id)) for m in made[1:]),  # type: ignore[union-attr]
        ]
    )
    assert [p.get("position") for _, p, _ in events] == [None, 1, 2, 3]
    assert [h["ce_correlationid"] for _, _, h in events] == [
        "request-g-1",
        "request-g-2",
        "request-g-4",
        "request-g-7",
    ]
    assert await booked(ctx, course_id) == 5

    # each booking made is replayed from its key, as if made alone
    [replayed] = await together(ctx, (urn, course_id, asked[5][2], "g-4"))
    assert isinstance(replayed, BookingResult) and replayed.replayed
    assert replayed.booking == dup_made.booking  # type: ignore[union-attr]


async def test_a_key_repeated_in_a_group_is_answered_after_it_as_a_replay(
    ctx: BookingsContext,
) -> None:
    course_id = await published_course(ctx, capacity=5)
    urn = await member_school(ctx)
    body = request(urn)
    first, repeat, other_body = await together(
        ctx,
        (urn, course_id, body, "k-twice"),
        (urn, course_id, body, "k-twice"),
        (urn, course_id, request(urn), "k-twice"),
    )
    assert isinstance(first, BookingResult) and not first.replayed
    assert isinstance(repeat, BookingResult) and repeat.replayed
    assert repeat.booking == first.booking
    assert isinstance(other_body, Invalid) and other_body.title == "Idempotency key reused"
    assert await booked(ctx, course_id) == 1


async def test_a_key_taken_meanwhile_rolls_the_group_back_and_books_one_by_one(
    stack: Stack, ctx: BookingsContext
) -> None:
    """Another transaction writes the key after the group read its context: the group's writes
    (their key insert) wait for it, finds it taken, and the group is rolled back; alone, the request
    finds the key and is refused, the others are booked."""
    course_id = await published_course(ctx, capacity=5)
    urn = await member_school(ctx)
    async with key_being_taken(ctx, urn, "k-taken") as (commit, waits):
        group = asyncio.ensure_future(
            together(
                ctx,
                (urn, course_id, request(urn), "k-before"),
                (urn, course_id, request(urn), "k-taken"),
                (urn, course_id, request(urn), "k-after"),
            )
        )

        await eventually(lambda: waits("WITH course AS"), message="the group's key insert waits")
        await commit()
        before, taken, after = await group
    assert isinstance(before, BookingResult) and before.booking.status == "confirmed"
    assert isinstance(taken, Invalid) and taken.title == "Idempotency key reused"
    assert isinstance(after, BookingResult) and after.booking.status == "confirmed"
    assert await booked(ctx, course_id) == 2
    events = (await outbox(ctx, course_id))[1:]
    assert [p["booking"]["booking_id"] for _, p, _ in events] == [
        str(before.booking.id),
        str(after.booking.id),
    ]


class Failing:
    """The group's writes, failing as a lost connection would, once they were sent (so that
    they must be rolled back), for the first ``times`` calls."""

    def __init__(self, times: int) -> None:
        self.write = unit_of_work.write_new_bookings
        self.times = times

    async def __call__(self, *args: Any) -> int:
        written = await self.write(*args)
        if self.times > 0:
            self.times -= 1
            raise DBAPIError("WITH course AS", {}, ConnectionError("connection lost"))
        return written


async def test_a_database_error_in_a_group_writes_nothing_and_each_is_booked_alone(
    ctx: BookingsContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    course_id = await published_course(ctx, capacity=1)
    urn = await member_school(ctx)
    monkeypatch.setattr(unit_of_work, "write_new_bookings", Failing(times=1))
    with statements(ctx) as seen:
        answers = await together(ctx, *((urn, course_id, request(urn), f"e-{i}") for i in "abc"))
    # the group wrote everything, failed, and was rolled back (no COMMIT); then each alone
    assert seen == GROUP_STATEMENTS[:3] + GROUP_STATEMENTS * 3
    results = [a for a in answers if isinstance(a, BookingResult)]
    assert [r.booking.status for r in results] == ["confirmed", "waitlisted", "waitlisted"]
    assert [r.booking.waitlist_position for r in results] == [None, 1, 2]
    assert await booked(ctx, course_id) == 3
    events = (await outbox(ctx, course_id))[1:]
    assert [p["booking"]["booking_id"] for _, p, _ in events] == [
        str(r.booking.id) for r in results
    ]


async def test_a_database_error_that_lasts_answers_each_request_with_it(
    ctx: BookingsContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    course_id = await published_course(ctx, capacity=1)
    urn = await member_school(ctx)
    monkeypatch.setattr(unit_of_work, "write_new_bookings", Failing(times=4))
    answers = await together(ctx, *((urn, course_id, request(urn), f"f-{i}") for i in "abc"))
    assert [type(a) for a in answers] == [DBAPIError] * 3
    assert await booked(ctx, course_id) == 0
    assert [name for name, _, _ in await outbox(ctx, course_id)] == ["course_published"]
    async with ctx.runtime.sessions() as session:
        keys = select(func.count()).where(idempotency_keys.c.key.like("f-_"))
        assert await session.scalar(keys) == 0
    monkeypatch.undo()
    [retried] = await together(ctx, (urn, course_id, request(urn), "f-a"))
    assert isinstance(retried, BookingResult) and retried.booking.status == "confirmed"


async def test_a_crowd_larger_than_a_group_keeps_arrival_order(ctx: BookingsContext) -> None:
    crowd = course_queue.GROUP_LIMIT + 20
    course_id = await published_course(ctx, capacity=3)
    urn = await member_school(ctx)
    with statements(ctx) as seen:
        answers = await together(
            ctx, *((urn, course_id, request(urn), f"c-{i}") for i in range(crowd))
        )
    assert seen.count("COMMIT") == 2  # a full group, then the rest
    assert all(isinstance(a, BookingResult) for a in answers)
    statuses = [a.booking.status for a in answers]  # type: ignore[union-attr]
    assert statuses == ["confirmed"] * 3 + ["waitlisted"] * (crowd - 3)
    positions = [a.booking.waitlist_position for a in answers[3:]]  # type: ignore[union-attr]
    assert positions == list(range(1, crowd - 2))


# Several courses in one group: the service keeps one line, so a group takes everyone waiting.


async def test_several_courses_are_booked_in_one_transaction_each_in_its_own_order(
    ctx: BookingsContext,
) -> None:
    small, large = await published_course(ctx, capacity=1), await published_course(ctx, capacity=5)
    draft = (
        await courses.create_course(ctx, ADMIN, CourseDetails(**course_body(capacity=5)))
    ).id  # not open for booking
    unknown = uuid4()
    urn = await member_school(ctx)
    same = request(urn)  # one participant on two courses: allowed
    asked: list[Asked] = [
        (urn, small, same, "x-1"),  # the place on the small course
        (urn, large, same, "x-2"),  # a place on the large one
        (urn, draft, request(urn), "x-3"),  # refused: not open
        (urn, small, request(urn), "x-4"),  # small: waiting, 1st
        (urn, unknown, request(urn), "x-5"),  # no such course
        (urn, large, request(urn), "x-6"),  # a place
        (urn, small, request(urn), "x-7"),  # small: waiting, 2nd
    ]
    with statements(ctx) as seen:
        answers = await together(ctx, *asked)
    # one group, one transaction, whatever the courses; then the course that was not there is
    # looked for in its own line (as one held elsewhere would be waited for there)
    assert seen == [*GROUP_STATEMENTS, GROUP_STATEMENTS[0], "COMMIT"]

    first, on_large, refused, waiting, missing, second_large, last = answers
    assert isinstance(first, BookingResult) and first.booking.status == "confirmed"
    assert isinstance(on_large, BookingResult) and on_large.booking.status == "confirmed"
    assert isinstance(refused, DomainError) and not isinstance(refused, NotFound)
    assert isinstance(waiting, BookingResult) and waiting.booking.waitlist_position == 1
    assert isinstance(missing, NotFound)
    assert isinstance(second_large, BookingResult) and second_large.booking.status == "confirmed"
    assert isinstance(last, BookingResult) and last.booking.waitlist_position == 2

    small_events = (await outbox(ctx, small))[1:]  # after course_published
    assert [(name, p.get("position")) for name, p, _ in small_events] == [
        ("booking_confirmed", None),
        ("booking_waitlisted", 1),
        ("booking_waitlisted", 2),
    ]
    assert [h["ce_correlationid"] for _, _, h in small_events] == [
        "request-x-1",
        "request-x-4",
        "request-x-7",
    ]
    large_events = (await outbox(ctx, large))[1:]
    assert [p["booking"]["booking_id"] for _, p, _ in large_events] == [
        str(on_large.booking.id),
        str(second_large.booking.id),
    ]
    assert [await booked(ctx, c) for c in (small, large, draft)] == [3, 2, 0]


async def test_a_crowd_over_several_courses_keeps_each_courses_arrival_order(
    ctx: BookingsContext,
) -> None:
    ids = [await published_course(ctx, capacity=2) for _ in range(3)]
    urn = await member_school(ctx)
    asked = [(urn, ids[i % 3], request(urn), f"m-{i}") for i in range(30)]
    with statements(ctx) as seen:
        answers = await together(ctx, *asked)
    assert seen.count("COMMIT") == 1
    for course_id in ids:
        mine = [a for a, (_, c, _, _) in zip(answers, asked, strict=True) if c == course_id]
        assert all(isinstance(a, BookingResult) for a in mine)
        statuses = [a.booking.status for a in mine]  # type: ignore[union-attr]
        assert statuses == ["confirmed"] * 2 + ["waitlisted"] * 8
        positions = [a.booking.waitlist_position for a in mine[2:]]  # type: ignore[union-attr]
        assert positions == list(range(1, 9))


async def test_a_key_taken_meanwhile_in_a_group_of_several_courses_books_course_by_course(
    ctx: BookingsContext,
) -> None:
    """The group's writes find a key another transaction took: nothing of the group is written;
    then each course's requests are a group of their own, where the key is found taken."""
    one, other = await published_course(ctx, capacity=5), await published_course(ctx, capacity=5)
    urn = await member_school(ctx)
    async with key_being_taken(ctx, urn, "xk-taken") as (commit, waits):
        with statements(ctx) as seen:
            group = asyncio.ensure_future(
                together(
                    ctx,
                    (urn, one, request(urn), "xk-1"),
                    (urn, other, request(urn), "xk-taken"),
                    (urn, one, request(urn), "xk-2"),
                    (urn, other, request(urn), "xk-3"),
                )
            )

            await eventually(
                lambda: waits("WITH course AS"), message="the group's key insert waits"
            )
            await commit()
            first, taken, second, third = await group
    # the whole group, rolled back; then each course's two together (the key now found taken)
    assert seen == GROUP_STATEMENTS[:3] + GROUP_STATEMENTS * 2
    made = [first, second, third]
    assert [a.booking.status for a in made] == ["confirmed"] * 3  # type: ignore[union-attr]
    assert isinstance(taken, Invalid) and taken.title == "Idempotency key reused"
    assert [await booked(ctx, c) for c in (one, other)] == [2, 1]


@pytest.fixture
async def impatient(ctx: BookingsContext) -> AsyncIterator[BookingsContext]:
    """The same database, with a lock wait of 300 ms."""
    settings = ctx.runtime.settings.model_copy(update={"lock_timeout_ms": 300})
    runtime = ServiceRuntime("bookings", settings, metadata)
    yield BookingsContext(runtime, MovableClock(), settings)
    await runtime.engine.dispose()


async def test_a_course_locked_too_long_elsewhere_fails_only_its_own_requests(
    ctx: BookingsContext, impatient: BookingsContext
) -> None:
    """Another transaction holds one course past the lock wait: the group books the other
    course's requests without waiting for it, and the held course's requests, set aside in its
    own line, are answered with the lock error (503) once, without waiting once more each."""
    free, held = await published_course(ctx, capacity=5), await published_course(ctx, capacity=5)
    urn = await member_school(ctx)
    async with elsewhere(ctx) as (holder, _):
        holding = holder.transaction()
        await holding.start()
        await holder.execute("SELECT 1 FROM courses WHERE id = $1 FOR UPDATE", held)
        with statements(impatient) as seen:
            answers = await together(
                impatient,
                (urn, held, request(urn), "lk-1"),
                (urn, free, request(urn), "lk-2"),
                (urn, held, request(urn), "lk-3"),
                (urn, free, request(urn), "lk-4"),
            )
        await holding.rollback()
    lock = GROUP_STATEMENTS[0]
    assert seen == [*GROUP_STATEMENTS, lock]  # the free course booked, then the held one waited for
    on_held_1, on_free_1, on_held_2, on_free_2 = answers
    made = [on_free_1, on_free_2]
    assert [a.booking.status for a in made] == ["confirmed"] * 2  # type: ignore[union-attr]
    for answer in (on_held_1, on_held_2):
        assert isinstance(answer, DBAPIError) and sqlstate(answer) == "55P03"
    assert [await booked(ctx, c) for c in (free, held)] == [2, 0]
    [retried] = await together(impatient, (urn, held, request(urn), "lk-1"))
    assert isinstance(retried, BookingResult) and retried.booking.status == "confirmed"


async def test_a_course_held_elsewhere_is_set_aside_and_the_others_go_on(
    ctx: BookingsContext,
) -> None:
    """Another transaction holds one of the group's courses: the group does not wait for it but
    books the others at once; the held course's requests wait in its own line, and a request
    for it that comes meanwhile waits behind them; all are booked, in arrival order, as soon as
    the course is free."""
    held, free = await published_course(ctx, capacity=1), await published_course(ctx, capacity=5)
    urn = await member_school(ctx)
    async with elsewhere(ctx) as (holder, waits):
        holding = holder.transaction()
        await holding.start()
        await holder.execute("SELECT 1 FROM courses WHERE id = $1 FOR UPDATE", held)
        with statements(ctx) as seen:
            group = asyncio.ensure_future(
                together(
                    ctx,
                    (urn, held, request(urn), "sa-1"),
                    (urn, free, request(urn), "sa-2"),
                    (urn, held, request(urn), "sa-3"),
                )
            )

            await eventually(
                lambda: waits("SELECT courses.id"), message="the held course's line waits"
            )
            assert [await booked(ctx, c) for c in (free, held)] == [1, 0]  # not waited for
            later = asyncio.ensure_future(together(ctx, (urn, held, request(urn), "sa-4")))
            await holding.commit()
            first, on_free, second = await group
            [last] = await later
    made = [first, on_free, second, last]
    assert all(isinstance(a, BookingResult) for a in made), made
    assert [a.booking.status for a in made] == [  # type: ignore[union-attr]
        "confirmed",
        "confirmed",
        "waitlisted",
        "waitlisted",
    ]
    assert [second.booking.waitlist_position, last.booking.waitlist_position] == [1, 2]  # type: ignore[union-attr]
    lock = GROUP_STATEMENTS[0]
    assert seen[:4] == GROUP_STATEMENTS and seen[4] == lock  # the free course first
    assert [await booked(ctx, c) for c in (free, held)] == [1, 3]
