"""What every service runs: its database, its broker, its outbox relay, its consumers and the
pruning of what they leave behind, and the service's own background workers."""

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from faststream.kafka import KafkaBroker
from sqlalchemy import MetaData, Table, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from shared.clock import Clock, SystemClock
from shared.contracts.topics import PRIVACY_EVENTS
from shared.messaging.broker import make_broker
from shared.messaging.consumer import AfterCommit, EventConsumer
from shared.messaging.outbox import Outbox
from shared.messaging.relay import OutboxRelay
from shared.messaging.retention import Pruner, PruneStep
from shared.observability import gauges
from shared.observability.metrics import Metrics
from shared.settings import ServiceSettings
from shared.storage.engine import Timeouts, make_engine, make_sessions
from shared.storage.tables import inbox_table, outbox_table
from shared.workers import Worker

log = logging.getLogger(__name__)


@dataclass
class ServiceRuntime:
    name: str
    settings: ServiceSettings
    metadata: MetaData
    clock: Clock = field(default_factory=SystemClock)
    engine: AsyncEngine = field(init=False)
    sessions: async_sessionmaker[AsyncSession] = field(init=False)
    broker: KafkaBroker = field(init=False)
    outbox: Outbox = field(init=False)
    relay: OutboxRelay = field(init=False)
    pruner: Pruner = field(init=False)
    metrics: Metrics = field(init=False)
    consumers: list[EventConsumer] = field(default_factory=list, init=False)
    workers: list[Worker] = field(default_factory=list, init=False)
    closers: list[Callable[[], Awaitable[None]]] = field(default_factory=list, init=False)

    def _document_publications(self) -> None:
        """Declare this service's event types on its broker, so AsyncAPI describes them."""
        import shared.contracts  # noqa: F401  (registers every event type)
        from shared.contracts.base import TYPE_PREFIX, registry

        for event_type, model in sorted(registry.types().items()):
            if event_type.startswith(f"{TYPE_PREFIX}.{self.name}."):
                self.broker.publisher(
                    model.topic,
                    title=event_type,
                    description=(model.__doc__ or "").strip() or None,
                    schema=model,
                )

    def __post_init__(self) -> None:
        self.engine = make_engine(
            self.settings.database_url(),
            self.settings.database_pool_size,
            Timeouts(
                connect_s=self.settings.database_connect_timeout_s,
                pool_s=self.settings.database_pool_timeout_s,
                statement_s=self.settings.database_statement_timeout_s,
            ),
        )
        self.sessions = make_sessions(self.engine)
        self.metrics = Metrics(self.name)
        self.metrics.on_scrape(
            "outbox", gauges.outbox_backlog(self.metrics, self.sessions, self.outbox_table)
        )
        self.metrics.on_scrape("database_pool", gauges.database_pool(self.metrics, self.engine))
        self.broker = make_broker(self.settings, client_id=self.name)
        self.outbox = Outbox(self.outbox_table, source=f"/alliance/{self.name}")
        self.relay = OutboxRelay(
            self.sessions,
            self.broker,
            self.outbox_table,
            self.name,
            poll_interval_s=self.settings.relay_poll_interval_s,
            linger_s=self.settings.relay_linger_s,
        )
        self.pruner = Pruner(
            self.name, self.sessions, self.clock, interval_s=self.settings.prune_interval_s
        )
        self.pruner.add_outbox(self.outbox_table, self.settings.outbox_retention_days)
        self.pruner.add_inbox(self.inbox_table, self.settings.inbox_retention_days)
        self.pruner.add_published(self.outbox_table, PRIVACY_EVENTS)
        self._document_publications()

    def add_pruner(self, step: PruneStep) -> None:
        """Run ``step`` with the kernel's pruning: it deletes one bounded batch of what this
        service no longer needs and returns True while more is waiting."""
        self.pruner.add(step)

    def add_worker(self, worker: Worker) -> Worker:
        """Run ``worker`` while the service runs: started after the broker, stopped before it."""
        self.workers.append(worker)
        return worker

    def add_closer(self, close: Callable[[], Awaitable[None]]) -> None:
        """Release something the workers used (kept connections) once they have stopped."""
        self.closers.append(close)

    @property
    def outbox_table(self) -> Table:
        return self.metadata.tables["outbox"]

    @property
    def inbox_table(self) -> Table:
        return self.metadata.tables["inbox"]

    def consumer(self, group_id: str, after_commit: AfterCommit | None = None) -> EventConsumer:
        consumer = EventConsumer(
            self.broker,
            self.sessions,
            self.inbox_table,
            group_id,
            max_attempts=self.settings.consumer_max_attempts,
            backoff_s=self.settings.consumer_backoff_s,
            after_commit=after_commit,
            session_timeout_ms=self.settings.kafka_session_timeout_ms,
            heartbeat_interval_ms=self.settings.kafka_heartbeat_interval_ms,
            fetch_max_wait_ms=self.settings.kafka_fetch_max_wait_ms,
            metrics=self.metrics,
        )
        self.consumers.append(consumer)
        self.metrics.on_scrape(f"lag:{group_id}", consumer.refresh_lag)
        return consumer

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A unit of work: commit state and its outbox rows together, then wake the relay."""
        async with self.sessions() as session, session.begin():
            yield session
        self.relay.wake()

    async def start(self) -> None:
        await self.broker.start()
        self.relay.start()
        self.pruner.start()
        for worker in self.workers:
            worker.start()

    async def stop(self) -> None:
        for worker in reversed(self.workers):
            await worker.stop()
        for close in self.closers:
            await close()
        await self.pruner.stop()
        await self.relay.stop()
        for consumer in self.consumers:
            await consumer.close()
        await self.broker.stop()
        await self.engine.dispose()

    def asyncapi(self) -> dict[str, object]:
        """The AsyncAPI 3 document of what this service publishes and consumes."""
        from faststream.specification import AsyncAPI

        document = AsyncAPI(
            self.broker, title=f"Alliance {self.name}", version="1.0.0", schema_version="3.0.0"
        )
        return document.to_specification().to_jsonable()  # type: ignore[no-any-return]

    async def readiness(self) -> dict[str, str]:
        """What is not reachable, by part; empty when ready."""
        problems: dict[str, str] = {}
        try:
            async with asyncio.timeout(3):
                async with self.engine.connect() as connection:
                    await connection.execute(text("select 1"))
        except Exception as exc:
            problems["database"] = f"{type(exc).__name__}: {exc}"[:300]
        try:
            if not await self.broker.ping(timeout=3):
                problems["broker"] = "Kafka did not answer"
        except Exception as exc:
            problems["broker"] = f"{type(exc).__name__}: {exc}"[:300]
        return problems


def service_metadata() -> MetaData:
    """A fresh MetaData holding the outbox and inbox tables; services add their own tables."""
    from shared.storage.tables import new_metadata

    metadata = new_metadata()
    outbox_table(metadata)
    inbox_table(metadata)
    return metadata
