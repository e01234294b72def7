"""Each service's migrations build exactly the schema its code declares, and undo cleanly."""

import asyncio

import asyncpg
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


@pytest.mark.parametrize("service", SERVICES)
async def test_queue_tables_are_vacuumed_after_one_percent_dead(stack: Stack, service: str) -> None:
    """The outbox (and notifications' own queue) are read from the front of a partial index that
    keeps dead entries until VACUUM: autovacuum comes after 1% dead, not the default 20%."""
    url = await stack.migrated_database(service, f"vacuum_{service}")
    conn = await asyncpg.connect(url.replace("+asyncpg", ""))
    try:
        rows = await conn.fetch(
            "SELECT relname, reloptions FROM pg_class WHERE relname = ANY($1::text[])",
            ["outbox", "notifications"],
        )
    finally:
        await conn.close()
    options = {row["relname"]: set(row["reloptions"] or ()) for row in rows}
    queues = ["outbox", "notifications"] if service == "notifications" else ["outbox"]
    for table in queues:
        assert {
            "autovacuum_vacuum_scale_factor=0.01",
            "autovacuum_vacuum_threshold=1000",
            "fillfactor=50",  # room for the update that takes a row off the queue
        } <= options[table], table
