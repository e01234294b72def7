"""Each service's migrations build exactly the schema its code declares, and undo cleanly."""

import asyncio

import pytest
from alembic import command

from devstack.settings import SERVICES
from shared.storage.migrations import alembic_config, downgrade, script_location, upgrade
from tests.support.stack import Stack


@pytest.mark.parametrize("service", SERVICES)
async def test_migrations_match_the_models_and_round_trip(stack: Stack, service: str) -> None:
    url = await stack.create_database(f"migrations_{service}")
    scripts = script_location(service)

    def round_trip() -> None:
        upgrade(scripts, url)
        command.check(alembic_config(scripts, url))  # raises if models and schema differ
        downgrade(scripts, url)
        upgrade(scripts, url)
        command.check(alembic_config(scripts, url))

    await asyncio.to_thread(round_trip)
