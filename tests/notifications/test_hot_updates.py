"""A sender's claim changes no indexed column and finds room on the row's page (the table is
filled to half by inserts): a HOT update, which writes no index entry.
On a database of this module's own."""

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.notifications import repository
from shared.storage.engine import make_engine, make_sessions
from tests.notifications import factories as f
from tests.notifications.usecase_support import record_event
from tests.support.stack import Stack
from tests.support.wait import eventually

Sessions = async_sessionmaker[AsyncSession]

UPDATES = text(
    "SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables WHERE relname = 'notifications'"
)


@pytest.fixture(scope="module")
async def sessions(stack: Stack) -> AsyncIterator[Sessions]:
    engine = make_engine(await stack.migrated_database("notifications", "hot_updates"))
    try:
        yield make_sessions(engine)
    finally:
        await engine.dispose()


async def updates(sessions: Sessions) -> tuple[int, int]:
    async with sessions() as session:
        updated, hot = (await session.execute(UPDATES)).one()
        return updated, hot


async def test_a_claim_writes_no_index_entry(sessions: Sessions) -> None:
    for _ in range(4):
        await record_event(sessions, f.confirmed())  # two emails each
    before = await updates(sessions)

    async with sessions() as claimer:
        await claimer.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
        claimed = await repository.claim_for_sending(claimer, 10)
        await claimer.execute(text("SELECT pg_stat_force_next_flush()"))

    assert len(claimed) == 8
    after = await eventually(lambda: updates(sessions), lambda u: u[0] >= before[0] + 8)
    assert after == (before[0] + 8, before[1] + 8)  # every claim a HOT update
