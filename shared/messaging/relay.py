"""The outbox relay: publishes pending rows in id order and marks each one published.

One relay at a time holds a transaction-scoped advisory lock, so any number of relay workers
(across processes) never publish the same row concurrently and per-key order is the commit order.
A pass sends the pending rows in order and stops sending at the first row that cannot be sent;
every row the broker confirmed is marked published in that pass (and never sent again), and the
row that failed carries its attempts and the error, where an on-call engineer will look. The rows
behind it wait for it: the next pass starts from it. Delivery is at least once (a crash between
the broker's confirmation and the commit sends a row again), and consumers drop the repeats
through their inbox.

A pass is four round trips: BEGIN; one statement that takes the lock and the pending rows; one
UPDATE of the rows the broker confirmed; COMMIT; sent straight on asyncpg
(``shared.storage.direct``), as a pass follows nearly every commit of a busy service. Each
commit of the service wakes the relay, which lingers ``linger_s`` first so that one pass takes
the rows of every commit meanwhile.
Without a wake it looks every ``poll_interval_s`` (rows written by another process, or left
by a failure) with one statement outside any transaction, and runs a pass only if a row waits.
"""

import asyncio
import json
import logging
import zlib
from dataclasses import dataclass
from typing import Any

from faststream.kafka import KafkaBroker
from opentelemetry.trace import SpanKind
from sqlalchemy import BigInteger, Table, any_, bindparam, func, literal, select, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from shared.observability import tracing
from shared.storage.direct import Direct, DirectConnection, direct_transaction
from shared.workers import Worker

log = logging.getLogger(__name__)


def advisory_lock_key(name: str) -> int:
    return zlib.crc32(f"outbox-relay:{name}".encode())


def traced_headers(topic: str, stored: dict[str, str]) -> dict[str, str]:
    """The row's headers; with tracing on, a publish span (child of the request that wrote the
    row) is recorded and its ``traceparent`` sent on, so the consumer's span is its child."""
    headers = dict(stored)
    if not tracing.enabled() or tracing.TRACEPARENT not in headers:
        return headers
    with tracing.span(
        f"{topic} publish",
        parent=headers[tracing.TRACEPARENT],
        kind=SpanKind.PRODUCER,
        attributes={"messaging.system": "kafka", "messaging.destination.name": topic},
    ):
        tracing.inject(headers)
    return headers


class PublishFailed(RuntimeError):
    """A row could not be published; the rows behind it wait for it."""


@dataclass(frozen=True)
class Pass:
    confirmed: list[int]
    failed: tuple[int, str] | None


class OutboxRelay:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        broker: KafkaBroker,
        table: Table,
        name: str,
        *,
        batch_size: int = 200,
        poll_interval_s: float = 0.5,
        max_backoff_s: float = 5.0,
        linger_s: float = 0.0,
    ) -> None:
        self.sessions = sessions
        self.engine: AsyncEngine = sessions.kw["bind"]
        self.broker = broker
        self.table = table
        self.lock_key = advisory_lock_key(name)
        self.batch_size = batch_size
        self._woken = False
        self.worker = Worker(
            f"outbox-relay:{name}",
            self._step,
            interval_s=poll_interval_s,
            max_backoff_s=max_backoff_s,
            linger_s=linger_s,
        )
        # The statements, built once (executed with bound values, compiled once).
        t = table
        pending = t.c.published_at.is_(None)
        # The lock is an uncorrelated subquery: PostgreSQL tries it once, before reading any row,
        # and reads none without it. The statement's snapshot is older than the lock, so it may
        # still show as pending a row that the relay which held the lock just before published;
        # FOR UPDATE reads each row's latest committed version and skips such a row.
        lock_key = literal(self.lock_key, BigInteger)
        locked = select(func.pg_try_advisory_xact_lock(lock_key)).scalar_subquery()
        self._take = Direct(
            select(t.c.id, t.c.topic, t.c.key, t.c.headers, t.c.payload)
            .where(locked, pending)
            .order_by(t.c.id)
            .limit(batch_size)
            .with_for_update()
        )
        self._probe = select(t.c.id).where(pending).limit(1)
        self._published = Direct(
            update(t)
            .where(t.c.id == any_(bindparam("ids", type_=ARRAY(BigInteger))))
            .values(published_at=func.now(), attempts=t.c.attempts + 1)
        )
        self._refused = Direct(
            update(t)
            .where(t.c.id == bindparam("row_id"))
            .values(attempts=t.c.attempts + 1, last_error=bindparam("error"))
        )

    @property
    def last_error(self) -> str | None:
        return self.worker.last_error

    def wake(self) -> None:
        self._woken = True
        self.worker.wake()

    def start(self) -> None:
        self.worker.start()

    async def stop(self) -> None:
        await self.worker.stop()

    async def _step(self) -> bool:
        woken, self._woken = self._woken, False
        if not woken and not await self._anything_pending():
            return False
        return await self.publish_batch() == self.batch_size

    async def _anything_pending(self) -> bool:
        """One statement, no transaction: is any row waiting?"""
        async with self.sessions() as session:
            connection = await session.connection(
                execution_options={"isolation_level": "AUTOCOMMIT"}
            )
            return await connection.scalar(self._probe) is not None

    async def publish_batch(self) -> int:
        """One pass over up to ``batch_size`` pending rows; how many were published.

        Raises ``PublishFailed`` (after recording it on the row) when a row could not be sent.
        """
        async with direct_transaction(self.engine) as connection:
            rows = await connection.all(self._take, {})
            if not rows:  # nothing waits, or another relay holds the lock
                return 0
            outcome = await self._send(rows)
            await self._record(connection, outcome)
        if outcome.failed is not None:
            row_id, error = outcome.failed
            raise PublishFailed(f"outbox row {row_id}: {error}")
        return len(outcome.confirmed)

    async def _send(self, rows: list[Any]) -> Pass:
        """Send in id order without waiting for each confirmation; stop at the first refusal."""
        sent: list[tuple[int, asyncio.Future[Any]]] = []
        failed: tuple[int, str] | None = None
        for row in rows:
            try:
                headers = traced_headers(row.topic, row.headers)
                delivery = await self.broker.publish(
                    json.dumps(row.payload, separators=(",", ":")).encode(),
                    row.topic,
                    key=row.key.encode(),
                    headers=headers,
                    correlation_id=row.headers.get("ce_correlationid"),
                    no_confirm=True,
                )
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                failed = (row.id, f"{type(exc).__name__}: {exc}")
                break
            sent.append((row.id, delivery))
        results = await asyncio.gather(*(d for _, d in sent), return_exceptions=True)
        confirmed: list[int] = []
        for (row_id, _), result in zip(sent, results, strict=True):
            if isinstance(result, asyncio.CancelledError):
                raise result
            if isinstance(result, BaseException):
                # Already sent, refused later by the broker: the earliest such row is the one
                # to retry from; the rows confirmed meanwhile are out and are kept.
                if failed is None or row_id < failed[0]:
                    failed = (row_id, f"{type(result).__name__}: {result}")
            else:
                confirmed.append(row_id)
        return Pass(confirmed, failed)

    async def _record(self, connection: DirectConnection, outcome: Pass) -> None:
        if outcome.confirmed:
            await connection.all(self._published, {"ids": outcome.confirmed})
        if outcome.failed is not None:
            row_id, error = outcome.failed
            await connection.all(self._refused, {"row_id": row_id, "error": error[:2000]})

    async def pending_count(self) -> int:
        async with self.sessions() as session:
            count = await session.scalar(
                select(func.count())
                .select_from(self.table)
                .where(self.table.c.published_at.is_(None))
            )
            return int(count or 0)
