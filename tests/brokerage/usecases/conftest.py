"""Use cases against a PostgreSQL database of their own, with no broker at all: the runtime is
never started (its Kafka address is a closed port), so events stay in the outbox, where the
tests read them."""

from collections.abc import AsyncIterator

import pytest

from services.brokerage.app import build_context
from services.brokerage.config import BrokerageSettings
from services.brokerage.tables import metadata
from services.brokerage.usecases.context import Context
from shared.runtime import ServiceRuntime
from tests.brokerage.usecases.scene import Scene
from tests.support.stack import Stack

NO_BROKER = "127.0.0.1:9"
LOCK_TIMEOUT_MS = 200


@pytest.fixture(scope="session")
async def ctx(stack: Stack) -> AsyncIterator[Context]:
    url = await stack.migrated_database("brokerage", "brokerage_usecases")
    settings = stack.settings(
        BrokerageSettings,
        BROKERAGE_DATABASE_URL=url,
        KAFKA_BOOTSTRAP_SERVERS=NO_BROKER,
        BROKERAGE_LOCK_TIMEOUT_MS=LOCK_TIMEOUT_MS,
    )
    runtime = ServiceRuntime("brokerage", settings, metadata)
    try:
        yield build_context(runtime, settings)
    finally:
        await runtime.engine.dispose()


@pytest.fixture
def scene(ctx: Context) -> Scene:
    return Scene(ctx)
