"""Idempotent consumers: inbox in the effect's transaction, bounded retries, dead letters.

Messages come in batches; a batch is applied in one database transaction that first records
each ``(consumer group, event id)`` in the inbox, so a redelivered event finds its row and does
nothing. If any event of the batch fails, nothing of it is kept and the events are applied one
by one, each in its own transaction, in order.
A failing handler is retried with backoff up to ``max_attempts``; then the message goes to the
group's dead-letter topic with the reason and attempt count in headers, and the offset moves on.
A message that cannot be read as an event at all (not JSON, a header that is not UTF-8, no or an
unknown ``ce_type``, data outside its contract) goes there at once: FastStream hands the records
over undecoded (``shared.messaging.records``), so nothing fails before this code sees it.
A message of a known type this consumer does not handle is passed over by its ``ce_type`` header
alone, unread: it is the business of the consumers that handle it.
A handler that is a ``BatchedHandler`` prepares each event on its own and writes what a run of
consecutive events prepared in one go (one statement for the run, not one per event).
Offsets are committed only after the effect (or the dead letter) is durable: a crash in between
means redelivery, never loss. They are committed at most every ``commit_interval_s`` (one
commit to the broker for every batch meanwhile, not one per batch): a crash or a rebalance
delivers up to that much again, and the inbox drops it.
"""

import asyncio
import logging
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Generic, TypeVar
from uuid import UUID

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage
from opentelemetry.trace import SpanKind
from sqlalchemy import String, Table, Uuid, bindparam, func, literal, select
from sqlalchemy.dialects.postgresql import ARRAY, insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.sql.dml import ReturningInsert

from shared.context import causation_id, correlation_id
from shared.contracts.base import EventData, UnknownEventType, registry
from shared.contracts.envelope import CloudEvent
from shared.contracts.topics import dead_letter_topic
from shared.messaging.records import (
    Undecodable,
    lenient_parser,
    raw_decoder,
    read_data,
    read_event,
    records_of,
)
from shared.observability import tracing
from shared.observability.metrics import Metrics
from shared.storage.outage import is_outage

log = logging.getLogger(__name__)

Handler = Callable[[AsyncSession, CloudEvent, EventData], Awaitable[None]]
AfterCommit = Callable[[CloudEvent], Awaitable[None]]


class PermanentError(Exception):
    """The message can never be processed; retrying is pointless."""


Prepared = TypeVar("Prepared")


class BatchedHandler(ABC, Generic[Prepared]):
    """A handler in two steps, so that a batch's writes can go in one statement: ``prepare``
    one event (no I/O; run in the event's context: its span, its correlation id), then
    ``write`` what consecutive events prepared, together. Called for one event, it does both."""

    @abstractmethod
    def prepare(self, event: CloudEvent, data: EventData) -> Prepared: ...

    @abstractmethod
    async def write(self, session: AsyncSession, prepared: list[Prepared]) -> None: ...

    async def __call__(self, session: AsyncSession, event: CloudEvent, data: EventData) -> None:
        await self.write(session, [self.prepare(event, data)])


class _Unwritten:
    """What a run of consecutive events prepared for the same ``BatchedHandler``, written as
    the run ends: before any other handler runs, and before the transaction commits."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.handler: BatchedHandler[Any] | None = None
        self.prepared: list[Any] = []

    async def add(self, handler: BatchedHandler[Any], prepared: Any) -> None:
        if handler is not self.handler:
            await self.write()
            self.handler = handler
        self.prepared.append(prepared)

    async def write(self) -> None:
        if self.handler is not None and self.prepared:
            await self.handler.write(self.session, self.prepared)
        self.handler, self.prepared = None, []


@dataclass(frozen=True)
class DeadLetter:
    reason: str
    attempts: int


class EventConsumer:
    def __init__(
        self,
        broker: KafkaBroker,
        sessions: async_sessionmaker[AsyncSession],
        inbox: Table,
        group_id: str,
        *,
        max_attempts: int = 5,
        backoff_s: float = 0.2,
        max_backoff_s: float = 5.0,
        after_commit: AfterCommit | None = None,
        session_timeout_ms: int = 10_000,
        heartbeat_interval_ms: int = 3_000,
        fetch_max_wait_ms: int = 100,
        batch_size: int = 100,
        commit_interval_s: float = 0.5,
        metrics: Metrics | None = None,
    ) -> None:
        self.broker = broker
        self.sessions = sessions
        self.inbox = inbox
        self.group_id = group_id
        self.dead_letter_topic = dead_letter_topic(group_id)
        self.max_attempts = max_attempts
        self.backoff_s = backoff_s
        self.max_backoff_s = max_backoff_s
        self.after_commit = after_commit
        self.session_timeout_ms = session_timeout_ms
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.fetch_max_wait_ms = fetch_max_wait_ms
        self.batch_size = batch_size
        self.commit_interval_s = commit_interval_s
        self.handlers: dict[str, Handler] = {}
        self.fallback: Handler | None = None
        self.metrics = metrics or Metrics(group_id)
        self.subscriber: Any = None
        self._next_offsets: dict[tuple[str, int], int] = {}
        self._lag_labels: set[tuple[str, str, str]] = set()
        self._committing: asyncio.Task[None] | None = None
        self._closing = False

    def on(self, *models: type[EventData]) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            for model in models:
                self.handlers[model.event_type] = handler
            return handler

        return register

    def on_any(self, handler: Handler) -> Handler:
        """Handle every known event type that has no handler of its own."""
        self.fallback = handler
        return handler

    def subscribe(self, *topics: str) -> None:
        self.subscriber = self.broker.subscriber(
            *topics,
            group_id=self.group_id,
            auto_offset_reset="earliest",
            ack_policy=AckPolicy.MANUAL,  # see receive
            session_timeout_ms=self.session_timeout_ms,
            heartbeat_interval_ms=self.heartbeat_interval_ms,
            fetch_max_wait_ms=self.fetch_max_wait_ms,
            batch=True,
            max_records=self.batch_size,
            batch_timeout_ms=self.fetch_max_wait_ms,
            title=f"{self.group_id}:{','.join(topics)}",
            parser=lenient_parser,
            decoder=raw_decoder,
        )

        # The broker runs no FastDepends (``make_broker``): ``message`` is what ``raw_decoder``
        # gives, the message itself; its annotation keeps it out of the AsyncAPI payload.
        @self.subscriber
        async def receive(message: KafkaMessage) -> None:
            try:
                await self.process(records_of(message.raw_message))
            except Exception:
                await message.nack()  # the batch comes again, from its first record
                raise
            await self.processed(message.consumer)

    async def processed(self, consumer: AIOKafkaConsumer) -> None:
        """A batch is done: its offsets are committed within ``commit_interval_s`` (at once
        once closing)."""
        if self._closing:
            await self.commit(consumer)
        elif self._committing is None or self._committing.done():
            self._committing = asyncio.create_task(self._commit_later(consumer))

    async def _commit_later(self, consumer: AIOKafkaConsumer) -> None:
        await asyncio.sleep(self.commit_interval_s)
        await self.commit(consumer)

    async def commit(self, consumer: AIOKafkaConsumer) -> None:
        """Commit the offsets after the records processed so far (never those being processed)
        of the partitions ``consumer`` holds. After a failure (a rebalance, the broker away)
        the commit is tried again ``commit_interval_s`` later, for the partitions then held."""
        assigned = consumer.assignment()
        offsets = {
            tp: offset
            for (topic, partition), offset in self._next_offsets.items()
            if (tp := TopicPartition(topic, partition)) in assigned
        }
        if not offsets:
            return
        try:
            await consumer.commit(offsets)
        except Exception as exc:
            log.info(
                "offsets not committed; the events after them may come again",
                extra={"group": self.group_id, "error": f"{type(exc).__name__}: {exc}"},
            )
            if not self._closing:  # tried again, even if no other batch comes
                self._committing = asyncio.create_task(self._commit_later(consumer))

    async def close(self) -> None:
        """Before the broker stops: commit at once what waits to be, and from now on after each
        batch (the broker finishes the batches under way before it stops)."""
        self._closing = True
        if self._committing is not None and not self._committing.done():
            self._committing.cancel()
            client = getattr(self.subscriber, "consumer", None)
            if client is not None:
                await self.commit(client)

    async def refresh_lag(self) -> None:
        """Set ``alliance_consumer_lag`` for each assigned partition: the broker's high
        watermark less the next offset this group will process (never below 0: Tansu
        under-reports the watermark)."""
        client = getattr(self.subscriber, "consumer", None)
        seen: set[tuple[str, str, str]] = set()
        for tp in client.assignment() if client is not None else ():
            high = client.highwater(tp)
            if high is None:
                continue
            following = self._next_offsets.get((tp.topic, tp.partition))
            if following is None:
                following = await client.position(tp)
            labels = (self.group_id, tp.topic, str(tp.partition))
            self.metrics.consumer_lag.labels(*labels).set(max(high - following, 0))
            seen.add(labels)
        for gone in self._lag_labels - seen:
            self.metrics.consumer_lag.remove(*gone)
        self._lag_labels = seen

    async def process(self, records: Sequence[ConsumerRecord]) -> None:
        """Apply a batch in order: all in one transaction when none fails, else one by one."""
        ready: list[tuple[ConsumerRecord, CloudEvent, EventData]] = []
        for record in records:
            if self._passes_over(record):
                continue
            try:
                event = read_event(record)
                data = read_data(event)
            except Undecodable as exc:
                await self._dead_letter(record, DeadLetter(str(exc), 1))
                continue
            except Exception as exc:
                reason = f"cannot decode: {type(exc).__name__}: {exc}"
                await self._dead_letter(record, DeadLetter(reason, 1))
                continue
            ready.append((record, event, data))
        if ready and not await self._apply_together(ready):
            for record, event, data in ready:
                correlation_id.set(event.correlationid)
                causation_id.set(str(event.id))
                with _consuming(record, event):
                    outcome = await self._apply_with_retries(event, data)
                if outcome is not None:
                    await self._dead_letter(record, outcome)
                else:
                    self.metrics.events_processed.labels(self.group_id, event.type).inc()
        for record in records:  # all done (applied or dead-lettered): lag counts from here
            self._next_offsets[(record.topic, record.partition)] = record.offset + 1

    async def _apply_together(
        self, ready: list[tuple[ConsumerRecord, CloudEvent, EventData]]
    ) -> bool:
        """One transaction for the whole batch; False, with nothing committed, if any part fails."""
        applied: list[CloudEvent] = []
        try:
            async with self.sessions() as session, session.begin():
                fresh = set(await self._arrive(session, [event for _, event, _ in ready]))
                unwritten = _Unwritten(session)
                for record, event, data in ready:
                    if event.id not in fresh:
                        log.info("duplicate event ignored", extra={"event_id": str(event.id)})
                        continue
                    fresh.discard(event.id)
                    correlation_id.set(event.correlationid)
                    causation_id.set(str(event.id))
                    handler = self.handlers.get(event.type) or self.fallback
                    assert handler is not None
                    if isinstance(handler, BatchedHandler):
                        with _consuming(record, event):
                            prepared = handler.prepare(event, data)
                        await unwritten.add(handler, prepared)
                    else:
                        await unwritten.write()
                        with _consuming(record, event):
                            await handler(session, event, data)
                    applied.append(event)
                await unwritten.write()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.info(
                "batch not applied together; applying one by one",
                extra={"events": len(ready), "error": f"{type(exc).__name__}: {exc}"},
            )
            return False
        for _, event, _ in ready:
            self.metrics.events_processed.labels(self.group_id, event.type).inc()
        if self.after_commit is not None:
            for event in applied:
                await self.after_commit(event)
        return True

    @cached_property
    def _arrivals(self) -> ReturningInsert[tuple[UUID]]:
        """Records events in the inbox; returns those not there before. Built once, whatever
        the number of events: they come as two arrays, unnested into rows."""
        inbox = self.inbox
        arrived = (
            func.unnest(
                bindparam("event_ids", type_=ARRAY(Uuid)),
                bindparam("event_types", type_=ARRAY(String)),
            )
            .table_valued("event_id", "event_type")
            .render_derived("arrived")
        )
        rows = select(literal(self.group_id, String), arrived.c.event_id, arrived.c.event_type)
        return (
            insert(inbox)
            .from_select([inbox.c.consumer_group, inbox.c.event_id, inbox.c.event_type], rows)
            .on_conflict_do_nothing()
            .returning(inbox.c.event_id)
        )

    async def _arrive(self, session: AsyncSession, events: list[CloudEvent]) -> list[UUID]:
        """Inbox rows for ``events`` (one statement); the ids of those seen for the first time."""
        values = {"event_ids": [e.id for e in events], "event_types": [e.type for e in events]}
        return list(await session.scalars(self._arrivals, values))

    def _passes_over(self, record: ConsumerRecord) -> bool:
        """A known event type that this consumer does not handle: nothing of it is read.

        Anything else is read (and dead-lettered if it cannot be): a message without a type, or
        of a type no contract knows, may well be meant for this consumer.
        """
        if self.fallback is not None:
            return False
        event_type = _header(record, "ce_type")
        if event_type is None or event_type in self.handlers:
            return False
        try:
            registry.model_for(event_type)
        except UnknownEventType:
            return False
        return True

    async def _apply_with_retries(self, event: CloudEvent, data: EventData) -> DeadLetter | None:
        """Apply, retrying a failing handler ``max_attempts`` times; an unreachable database is
        not the message's fault, so it is waited out without spending attempts."""
        handler = self.handlers.get(event.type) or self.fallback
        assert handler is not None
        delay = self.backoff_s
        attempt = 1
        while True:
            try:
                applied = await self._apply(handler, event, data)
            except PermanentError as exc:
                return DeadLetter(str(exc), attempt)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                reason = f"{type(exc).__name__}: {exc}"
                outage = is_outage(exc)
                log.warning(
                    "database unreachable; waiting" if outage else "handler failed",
                    extra={"event_id": str(event.id), "attempt": attempt, "error": reason},
                )
                if not outage:
                    if attempt == self.max_attempts:
                        return DeadLetter(reason, attempt)
                    attempt += 1
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.max_backoff_s)
                continue
            if applied and self.after_commit is not None:
                await self.after_commit(event)
            return None

    async def _apply(self, handler: Handler, event: CloudEvent, data: EventData) -> bool:
        async with self.sessions() as session, session.begin():
            if not await self._arrive(session, [event]):
                log.info("duplicate event ignored", extra={"event_id": str(event.id)})
                return False
            await handler(session, event, data)
        return True

    async def _dead_letter(self, record: ConsumerRecord, dead: DeadLetter) -> None:
        event_type = _header(record, "ce_type") or "unknown"
        log.error(
            "message dead-lettered",
            extra={"reason": dead.reason, "attempts": dead.attempts, "group": self.group_id},
        )
        original = {
            key: value.decode(errors="replace") if isinstance(value, bytes) else str(value)
            for key, value in record.headers or ()
        }
        headers = {
            **original,
            "dlq_reason": dead.reason[:1000],
            "dlq_attempts": str(dead.attempts),
            "dlq_consumer_group": self.group_id,
            "dlq_original_topic": record.topic,
            "dlq_original_partition": str(record.partition),
            "dlq_original_offset": str(record.offset),
        }
        try:
            await self.broker.publish(
                record.value or b"", self.dead_letter_topic, key=record.key, headers=headers
            )
        except Exception:
            await asyncio.sleep(self.max_backoff_s)
            raise
        self.metrics.events_dead_lettered.labels(self.group_id, event_type[:200]).inc()


def _header(record: ConsumerRecord, name: str) -> str | None:
    for key, value in record.headers or ():
        if key == name:
            return value.decode(errors="replace") if isinstance(value, bytes) else str(value)
    return None


def _consuming(record: ConsumerRecord, event: CloudEvent) -> AbstractContextManager[object]:
    """A consumer span, child of the span that published the record (tracing on only)."""
    if not tracing.enabled():
        return nullcontext()
    return tracing.span(
        f"{record.topic} process",
        parent=_header(record, tracing.TRACEPARENT),
        kind=SpanKind.CONSUMER,
        attributes={
            "messaging.system": "kafka",
            "messaging.destination.name": record.topic,
            "messaging.kafka.offset": record.offset,
            "alliance.event_type": event.type,
        },
    )
