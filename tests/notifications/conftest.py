"""The notifications tests run on a broker, database and SMTP server of their own: a consumer
group new to a broker starts from its beginning, and the shared one holds every other test's
events by the time these run."""

from collections.abc import AsyncIterator

import pytest
from aiokafka import AIOKafkaProducer
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.storage.engine import make_engine, make_sessions
from tests.support.isolated import Isolated, isolated_parts
from tests.support.stack import Stack


@pytest.fixture(scope="session")
async def parts(stack: Stack) -> AsyncIterator[Isolated]:
    async with isolated_parts(stack, "notifications", services=("notifications",)) as isolated:
        yield isolated


@pytest.fixture(scope="session")
async def producer(parts: Isolated) -> AsyncIterator[AIOKafkaProducer]:
    kafka = AIOKafkaProducer(bootstrap_servers=parts.bootstrap, acks="all")
    await kafka.start()
    try:
        yield kafka
    finally:
        await kafka.stop()


@pytest.fixture(scope="session")
async def sessions(stack: Stack) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """A migrated notifications database of the use-case tests' own (no broker)."""
    engine = make_engine(await stack.migrated_database("notifications", "usecases"))
    try:
        yield make_sessions(engine)
    finally:
        await engine.dispose()
