from collections.abc import AsyncIterator

import httpx
import pytest

from services.brokerage.app import build_app
from services.brokerage.config import BrokerageSettings
from tests.brokerage.helpers import Brokerage
from tests.support.apps import running_app
from tests.support.stack import Stack


@pytest.fixture(scope="session")
async def brokerage(stack: Stack) -> AsyncIterator[Brokerage]:
    async with running_app(build_app, stack.settings(BrokerageSettings)) as (app, client):
        yield Brokerage(stack, app, client)


@pytest.fixture
def client(brokerage: Brokerage) -> httpx.AsyncClient:
    return brokerage.client
