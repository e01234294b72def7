"""Transactional outbox: events are rows written in the caller's transaction."""

from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

from sqlalchemy import Table, insert
from sqlalchemy.ext.asyncio import AsyncSession

from shared.context import causation_id, current_correlation_id
from shared.contracts.base import EventData
from shared.contracts.envelope import CloudEvent, kafka_headers
from shared.observability import tracing


class Outbox:
    def __init__(self, table: Table, source: str) -> None:
        self.table = table
        self.source = source
        self._insert = insert(table)  # built once: executed with each call's rows, not rebuilt

    def envelope(self, data: EventData) -> CloudEvent:
        return CloudEvent(
            type=data.event_type,
            source=self.source,
            subject=data.subject(),
            correlationid=current_correlation_id(),
            causationid=causation_id.get(),
            data=data.model_dump(mode="json"),
        )

    async def add(self, session: AsyncSession, data: EventData) -> CloudEvent:
        """Record ``data`` in the session's transaction; the relay publishes it after commit."""
        (event,) = await self.add_all(session, [data])
        return event

    async def add_all(self, session: AsyncSession, items: list[EventData]) -> list[CloudEvent]:
        """Record several events in one round trip, in this order (the relay keeps it)."""
        events = [self.envelope(data) for data in items]
        await self.insert(session, [self._row(e, d) for e, d in zip(events, items, strict=True)])
        return events

    def rows(self, items: list[EventData]) -> list[dict[str, Any]]:
        """The rows of ``items``, with the current correlation id and trace: rows made in
        several requests' contexts can then be written together (``insert``). Each row is the
        one ``envelope`` would give (a new id, the time now), without building the envelope."""
        correlation, causation = current_correlation_id(), causation_id.get()
        rows = []
        for data in items:
            event_id = uuid4()
            headers = kafka_headers(
                event_id,
                data.event_type,
                self.source,
                datetime.now(UTC),
                subject=data.subject(),
                correlationid=correlation,
                causationid=causation,
            )
            tracing.inject(headers)
            rows.append(
                {
                    "event_id": event_id,
                    "topic": data.topic,
                    "key": data.key(),
                    "event_type": data.event_type,
                    "headers": headers,
                    "payload": data.model_dump(mode="json"),
                }
            )
        return rows

    async def insert(self, session: AsyncSession, rows: list[dict[str, Any]]) -> None:
        """Record ``rows`` (of ``rows``) in one round trip, in this order."""
        if rows:
            await session.execute(self._insert, rows)

    @staticmethod
    def _row(event: CloudEvent, data: EventData) -> dict[str, Any]:
        headers = event.kafka_headers()
        tracing.inject(headers)  # the trace goes on from the relay (nothing when tracing is off)
        return {
            "event_id": event.id,
            "topic": data.topic,
            "key": data.key(),
            "event_type": event.type,
            "headers": headers,
            "payload": event.data,
        }
