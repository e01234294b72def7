"""Each service's migrations build exactly the schema its code declares, and undo cleanly."""

import asyncio

import pytest
from alembic import command

from shared.settings import SERVICES
from shared.storage.migrations import alembic_config, downgrade, upgrade
from tests.support.stack import Stack


@pytest.mark.parametrize("service", SERVICES)
async def test_migrations_match_the_models_and_round_trip(stack: Stack, service: str) -> None:
    url = await stack.create_database(f"migrations_{service}")

    def round_trip() -> None:
        upgrade(service, url)
        command.check(alembic_config(service, url))  # raises if models and schema differ
        downgrade(service, url)
        upgrade(service, url)
        command.check(alembic_config(service, url))

    await asyncio.to_thread(round_trip)
