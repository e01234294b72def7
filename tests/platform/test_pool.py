"""The connection pool: a busy service opens its connections once and keeps them."""

import asyncio

from sqlalchemy import event, text

from shared.storage.engine import make_engine
from tests.support.stack import Stack


async def test_connections_are_opened_once_and_kept_however_busy(stack: Stack) -> None:
    engine = make_engine(await stack.create_database("pool"), pool_size=3)
    opened: list[object] = []
    event.listen(engine.sync_engine, "connect", lambda conn, record: opened.append(conn))
    try:

        async def transaction() -> None:
            async with engine.connect() as connection:
                await connection.execute(text("SELECT pg_sleep(0.01)"))

        for _ in range(5):  # more at once than the pool holds: the rest wait for one
            await asyncio.gather(*(transaction() for _ in range(8)))

        assert len(opened) == 3
        assert engine.pool.checkedin() == 3  # type: ignore[attr-defined]
    finally:
        await engine.dispose()
