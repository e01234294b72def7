"""The ledger's consumer path against finance's real database, batches handed to the consumer
as FastStream would: what an event costs in round trips, a school written only when what is
known of it changes, and a ledger that stays right for redelivered events, for events in one
batch on the same booking, and for a batch with one event that cannot be applied; and the relay
woken by the one event whose answer goes to the outbox, not left to its polling."""

import asyncio
import itertools
import secrets
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID, uuid4

import pytest
from aiokafka import ConsumerRecord
from fastapi import FastAPI
from sqlalchemy import delete, event, literal_column, select

from services.finance.app import build_app
from services.finance.config import FinanceSettings
from services.finance.tables import entries, schools
from shared.contracts import bookings as b
from shared.contracts import brokerage as r
from shared.contracts.base import EventData
from shared.contracts.common import Contact, SchoolRef
from shared.contracts.envelope import CloudEvent
from shared.contracts.privacy import FinancePersonalDataExported, PersonalDataRequested
from shared.messaging.consumer import EventConsumer
from shared.runtime import ServiceRuntime
from tests.notifications import factories as f
from tests.support.apps import running_app
from tests.support.isolated import isolated_parts
from tests.support.stack import Stack
from tests.support.wait import eventually

OFFSETS = itertools.count()
SETTLED_ON = date(2027, 3, 1)


@pytest.fixture(scope="module")
async def finance(stack: Stack) -> AsyncIterator[FastAPI]:
    async with isolated_parts(stack, "ledger", services=("finance",)) as parts:
        settings = stack.settings(FinanceSettings, **parts.overrides)
        async with running_app(build_app, settings) as (app, _):
            yield app


def runtime_of(app: FastAPI) -> ServiceRuntime:
    return app.state.finance.runtime  # type: ignore[no-any-return]


def consumer_of(app: FastAPI) -> EventConsumer:
    return runtime_of(app).consumers[0]


def record(data: EventData) -> ConsumerRecord:
    """``data`` as a record on its topic, with an event id of its own."""
    envelope = CloudEvent(type=data.event_type, source="/test", data=data.model_dump(mode="json"))
    headers = [(k, v.encode()) for k, v in envelope.kafka_headers().items()]
    value = envelope.kafka_value()
    return ConsumerRecord(
        data.topic, 0, next(OFFSETS), 0, 0, data.key().encode(), value, None, 0, len(value), headers
    )


def event_id(rec: ConsumerRecord) -> UUID:
    return UUID(dict(rec.headers)["ce_id"].decode())


def a_school(name: str = "Hillview Primary") -> SchoolRef:
    return SchoolRef(urn=f"{secrets.randbelow(900_000) + 100_000}", name=name)


def lead(school: SchoolRef, who: str = "lead") -> Contact:
    return Contact(name="Sam Lead", email=f"{who}@{school.urn}.example.org")


class Bookings:
    """Events on one course of an alliance of the test's own, as bookings publishes them."""

    def __init__(self) -> None:
        self.alliance = f"ledger-{secrets.token_hex(4)}"
        self.course = f.course(self.alliance)

    def info(
        self, school: SchoolRef, cpd_lead: Contact | None, booking_id: UUID | None = None
    ) -> b.BookingInfo:
        return f.booking(f.tag()).model_copy(
            update={
                "booking_id": booking_id or uuid4(),
                "school": school,
                "cpd_lead": cpd_lead,
                "price_pence": 9_000,
                "price_band": "member",
            }
        )

    def confirmed(
        self, school: SchoolRef, cpd_lead: Contact | None = None, booking_id: UUID | None = None
    ) -> b.BookingConfirmed:
        booking = self.info(school, cpd_lead, booking_id)
        return b.BookingConfirmed(course=self.course, booking=booking)

    def accepted(self, school: SchoolRef, booking_id: UUID) -> b.OfferAccepted:
        return b.OfferAccepted(course=self.course, booking=self.info(school, None, booking_id))

    def cancelled(self, school: SchoolRef, booking_id: UUID, fee: int) -> b.BookingCancelled:
        return b.BookingCancelled(
            course=self.course,
            booking=self.info(school, None, booking_id),
            cancelled_by="school",
            fee_pence=fee,
        )


async def ledger_of(app: FastAPI, subject_id: UUID) -> list[tuple[str, int]]:
    query = (
        select(entries.c.kind, entries.c.amount_pence)
        .where(entries.c.subject_id == subject_id)
        .order_by(entries.c.id)
    )
    async with runtime_of(app).sessions() as session:
        return [(row.kind, row.amount_pence) for row in await session.execute(query)]


async def school_row(app: FastAPI, alliance: str, urn: str) -> Any:
    """Name, CPD lead and ``xmin`` (the transaction that wrote the row's current version)."""
    query = select(
        schools.c.name, schools.c.cpd_lead_email, literal_column("xmin::text").label("xmin")
    ).where(schools.c.alliance_id == alliance, schools.c.urn == urn)
    async with runtime_of(app).sessions() as session:
        return (await session.execute(query)).one_or_none()


async def test_a_confirmed_booking_takes_one_statement(finance: FastAPI) -> None:
    """Per batch the inbox, then per event one statement: learn the school and charge the
    place unless it holds something already (it took three, then two: read what the place
    holds, then write the entries)."""
    bookings, school = Bookings(), a_school()
    await consumer_of(finance).process([record(bookings.confirmed(school, lead(school)))])
    batch = [bookings.confirmed(school, lead(school)) for _ in range(3)]
    statements: list[str] = []
    this_task = asyncio.current_task()

    def seen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if asyncio.current_task() is this_task:  # not the relay's polling meanwhile
            statements.append(statement.split()[0])

    engine = runtime_of(finance).engine.sync_engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        await consumer_of(finance).process([record(data) for data in batch])
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert statements == ["INSERT"] + ["WITH"] * 3, statements
    for data in batch:
        assert await ledger_of(finance, data.booking.booking_id) == [("place", 9_000)]


async def test_a_free_place_learns_the_school_and_charges_nothing(finance: FastAPI) -> None:
    bookings, school = Bookings(), a_school("Meadow Lane Infants")
    paid = bookings.confirmed(school, lead(school))
    free = paid.model_copy(update={"booking": paid.booking.model_copy(update={"price_pence": 0})})
    await consumer_of(finance).process([record(free)])
    assert await ledger_of(finance, free.booking.booking_id) == []
    known = await school_row(finance, bookings.alliance, school.urn)
    assert (known.name, known.cpd_lead_email) == (school.name, f"lead@{school.urn}.example.org")


async def test_a_school_is_written_only_when_what_is_known_changes(finance: FastAPI) -> None:
    bookings, school = Bookings(), a_school()
    consumer = consumer_of(finance)
    await consumer.process([record(bookings.confirmed(school, lead(school)))])
    first = await school_row(finance, bookings.alliance, school.urn)
    assert (first.name, first.cpd_lead_email) == (school.name, f"lead@{school.urn}.example.org")

    # The same name and lead (the lead's address in another case), or no lead at all: the row
    # is not written again.
    shouting = Contact(name="Sam Lead", email=f"LEAD@{school.urn}.example.org")
    await consumer.process([record(bookings.confirmed(school, shouting))])
    await consumer.process([record(bookings.confirmed(school, None))])
    assert await school_row(finance, bookings.alliance, school.urn) == first

    renamed = SchoolRef(urn=school.urn, name="Hillview Primary Academy")
    await consumer.process([record(bookings.confirmed(renamed, None))])
    second = await school_row(finance, bookings.alliance, school.urn)
    assert (second.name, second.cpd_lead_email) == (renamed.name, first.cpd_lead_email)
    assert second.xmin != first.xmin

    await consumer.process([record(bookings.confirmed(renamed, lead(school, "new.lead")))])
    third = await school_row(finance, bookings.alliance, school.urn)
    assert third.cpd_lead_email == f"new.lead@{school.urn}.example.org"


async def test_events_on_one_booking_in_one_batch(finance: FastAPI) -> None:
    """Each event sees what the ones before it in the batch wrote: a place booked and
    released in one batch, and a place confirmed twice charged once."""
    bookings, school = Bookings(), a_school()
    released, twice = uuid4(), uuid4()
    await consumer_of(finance).process(
        [
            record(bookings.confirmed(school, lead(school), released)),
            record(bookings.confirmed(school, lead(school), twice)),
            record(bookings.cancelled(school, released, fee=4_500)),
            record(bookings.accepted(school, twice)),
        ]
    )
    assert await ledger_of(finance, released) == [
        ("place", 9_000),
        ("place_released", -9_000),
        ("late_cancellation_fee", 4_500),
    ]
    assert await ledger_of(finance, twice) == [("place", 9_000)]


async def test_redelivered_events_add_nothing(finance: FastAPI) -> None:
    """Again through the inbox; and again once the inbox has forgotten them (pruned), where
    the entries' unique key (event, school, kind) holds: the place, released meanwhile, is
    not charged a second time by its redelivered confirmation."""
    bookings, school = Bookings(), a_school()
    booking_id = uuid4()
    batch = [
        record(bookings.confirmed(school, lead(school), booking_id)),
        record(bookings.cancelled(school, booking_id, fee=4_500)),
    ]
    expected = [("place", 9_000), ("place_released", -9_000), ("late_cancellation_fee", 4_500)]
    consumer = consumer_of(finance)
    await consumer.process(batch)
    await consumer.process(batch)
    assert await ledger_of(finance, booking_id) == expected

    inbox = runtime_of(finance).inbox_table
    async with runtime_of(finance).transaction() as session:
        await session.execute(delete(inbox).where(inbox.c.event_id.in_(map(event_id, batch))))
    await consumer.process(batch)
    await consumer.process(batch[::-1])
    assert await ledger_of(finance, booking_id) == expected


async def test_one_event_that_cannot_be_applied_spoils_nothing_else(finance: FastAPI) -> None:
    """A school name longer than the column fails the batch; applied one by one, the other
    events are recorded in order and the bad one (dead-lettered) leaves no trace."""
    bookings, school = Bookings(), a_school()
    too_long = a_school("A" * 250)
    good, bad = uuid4(), uuid4()
    await consumer_of(finance).process(
        [
            record(bookings.confirmed(school, lead(school), good)),
            record(bookings.confirmed(too_long, lead(too_long), bad)),
            record(bookings.cancelled(school, good, fee=0)),
        ]
    )
    assert await ledger_of(finance, good) == [("place", 9_000), ("place_released", -9_000)]
    assert await ledger_of(finance, bad) == []
    assert await school_row(finance, bookings.alliance, too_long.urn) is None
    assert (await school_row(finance, bookings.alliance, school.urn)).name == school.name


def settled(alliance: str, school: SchoolRef, home: SchoolRef) -> r.DeploymentSettled:
    run = f.tag()
    return r.DeploymentSettled(
        request=f.request_info(run, alliance).model_copy(update={"school": school}),
        sle=f.sle_info(run).model_copy(update={"home_school": home}),
        outcome="completed",
        days_delivered=2,
        day_rate_pence=35_000,
        sle_days_pence=70_000,
        brokerage_fee_basis="percent",
        brokerage_fee_percent=10,
        brokerage_fee_pence=7_000,
        settled_on=SETTLED_ON,
    )


async def test_a_settled_deployment_learns_both_schools(finance: FastAPI) -> None:
    """The requesting school and the SLE's home school in one statement, also when they are
    the same school."""
    alliance = f"ledger-{secrets.token_hex(4)}"
    school, home = a_school("Beech Primary"), a_school("Pate's Grammar School")
    across, within = settled(alliance, school, home), settled(alliance, home, home)
    await consumer_of(finance).process([record(across), record(within)])
    assert (await school_row(finance, alliance, school.urn)).name == school.name
    assert (await school_row(finance, alliance, home.urn)).name == home.name
    assert await ledger_of(finance, across.request.request_id) == [
        ("sle_days", 70_000),
        ("sle_days_credit", -70_000),
        ("brokerage_fee", 7_000),
    ]
    assert await ledger_of(finance, within.request.request_id) == [
        ("sle_days", 70_000),
        ("sle_days_credit", -70_000),
        ("brokerage_fee", 7_000),
    ]


@pytest.fixture(scope="module")
async def finance_polling_rarely(stack: Stack) -> AsyncIterator[FastAPI]:
    """Finance whose relay, once started, looks for rows of its own accord every 10 minutes."""
    async with isolated_parts(stack, "ledger_relay", services=("finance",)) as parts:
        settings = stack.settings(FinanceSettings, **parts.overrides, OUTBOX_POLL_INTERVAL_S=600)
        async with running_app(build_app, settings) as (app, _):
            yield app


async def test_a_personal_data_answer_is_published_at_once(
    finance_polling_rarely: FastAPI,
) -> None:
    app = finance_polling_rarely
    request = PersonalDataRequested(
        request_id=uuid4(), at=datetime.now(UTC), kind="access", email="someone@example.org"
    )
    await consumer_of(app).process([record(request)])
    outbox = runtime_of(app).outbox_table

    async def published() -> list[Any]:
        query = select(outbox.c.published_at).where(
            outbox.c.event_type == FinancePersonalDataExported.event_type
        )
        async with runtime_of(app).sessions() as session:
            return list(await session.scalars(query))

    await eventually(published, lambda rows: rows and rows[0] is not None, timeout=10)
