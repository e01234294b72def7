from collections.abc import AsyncIterator

import pytest
from aiokafka import AIOKafkaProducer

from tests.support.stack import Stack


@pytest.fixture(scope="session")
async def producer(stack: Stack) -> AsyncIterator[AIOKafkaProducer]:
    kafka = AIOKafkaProducer(bootstrap_servers=stack.bootstrap, acks="all")
    await kafka.start()
    try:
        yield kafka
    finally:
        await kafka.stop()
