"""Statements run straight on asyncpg (``shared.storage.direct``): written in Core, values and
rows as SQLAlchemy gives them, one transaction committed or rolled back as a whole, and a driver
error raised as SQLAlchemy raises it, so that an outage is still told from a bug."""

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import (
    Column,
    Float,
    MetaData,
    Table,
    Text,
    Uuid,
    bindparam,
    func,
    insert,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.storage.direct import Direct, direct_transaction, observed
from shared.storage.engine import make_engine
from shared.storage.outage import is_outage, sqlstate
from tests.support.stack import Stack

metadata = MetaData()
things = Table(
    "things",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", Text, nullable=False),
    Column("weight", Float, nullable=False),
    Column("tags", ARRAY(Text), nullable=False),
    Column("details", JSONB, nullable=False),
)

ADD = Direct(
    insert(things).from_select(
        ["id", "name", "weight", "tags", "details"],
        select(
            func.unnest(bindparam("ids", type_=ARRAY(Uuid))),
            func.unnest(bindparam("names", type_=ARRAY(Text))),
            func.unnest(bindparam("weights", type_=ARRAY(Float))),
            bindparam("tags", type_=ARRAY(Text)),
            func.unnest(bindparam("details", type_=ARRAY(JSONB))),
        ),
    )
)
NAMED = Direct(
    select(things, func.count().over().label("of"))
    .where(things.c.name.in_(["apple", "pear"]), things.c.weight > bindparam("above"))
    .order_by(things.c.name)
)
COUNT = Direct(select(func.count()).select_from(things))


@pytest.fixture
async def engine(stack: Stack) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(await stack.create_database(f"direct_{uuid.uuid4().hex[:8]}"), 2)
    async with engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    try:
        yield engine
    finally:
        await engine.dispose()


def values(*names: str, details: Any = None) -> dict[str, Any]:
    return {
        "ids": [uuid.uuid4() for _ in names],
        "names": list(names),
        "weights": [1.5 * (i + 1) for i in range(len(names))],
        "tags": ["fruit", "ripe"],
        "details": [details or {"from": name, "note": "é"} for name in names],
    }


async def count(engine: AsyncEngine) -> int:
    async with direct_transaction(engine) as connection:
        return int(await connection.scalar(COUNT, {}))


async def test_rows_come_back_as_sqlalchemy_gives_them(engine: AsyncEngine) -> None:
    added = values("apple", "pear", "plum")
    async with direct_transaction(engine) as connection:
        await connection.all(ADD, added)
        rows = await connection.all(NAMED, {"above": 1.0})
    assert [row.name for row in rows] == ["apple", "pear"]  # the IN list's constants, rendered
    apple = rows[0]
    assert apple.id == added["ids"][0] and isinstance(apple.id, uuid.UUID)
    assert apple.weight == 1.5 and isinstance(apple.weight, float)
    assert apple.tags == ["fruit", "ripe"]
    assert apple.details == {"from": "apple", "note": "é"}  # JSONB, encoded and decoded
    assert apple._mapping["name"] == "apple" and apple.of == 2
    async with engine.connect() as plain:  # and stored as SQLAlchemy reads it
        stored = await plain.execute(select(things.c.details).where(things.c.name == "pear"))
        assert stored.scalar_one() == {"from": "pear", "note": "é"}


async def test_a_block_that_raises_writes_nothing(engine: AsyncEngine) -> None:
    with pytest.raises(RuntimeError, match="changed my mind"):
        async with direct_transaction(engine) as connection:
            await connection.all(ADD, values("apple"))
            raise RuntimeError("changed my mind")
    assert await count(engine) == 0
    assert engine.pool.checkedin() == 1  # type: ignore[attr-defined]  # back, and usable:
    async with direct_transaction(engine) as connection:
        await connection.all(ADD, values("pear"))
    assert await count(engine) == 1


async def test_an_error_of_the_database_is_sqlalchemys_and_rolls_the_block_back(
    engine: AsyncEngine,
) -> None:
    taken = values("apple")
    async with direct_transaction(engine) as connection:
        await connection.all(ADD, taken)
    with pytest.raises(IntegrityError) as raised:
        async with direct_transaction(engine) as connection:
            await connection.all(ADD, values("pear"))
            await connection.all(ADD, taken)  # the same id again
    assert sqlstate(raised.value) == "23505"
    assert not is_outage(raised.value)  # a bug or a conflict, not an outage
    assert await count(engine) == 1


async def test_a_lock_wait_that_runs_out_is_an_outage(engine: AsyncEngine) -> None:
    lock = Direct(
        select(things.c.id, func.set_config("lock_timeout", "50ms", True))
        .where(things.c.name == bindparam("name"))
        .with_for_update()
    )
    async with direct_transaction(engine) as connection:
        await connection.all(ADD, values("apple"))
    async with engine.connect() as holder, holder.begin():
        await holder.execute(text("SELECT 1 FROM things FOR UPDATE"))
        with pytest.raises(DBAPIError) as raised:
            async with direct_transaction(engine) as connection:
                await connection.all(lock, {"name": "apple"})
    assert sqlstate(raised.value) == "55P03" and is_outage(raised.value)


async def test_a_lost_connection_is_an_outage_and_the_pool_forgets_it(
    engine: AsyncEngine,
) -> None:
    backend = Direct(select(func.pg_backend_pid()))
    async with direct_transaction(engine) as connection:
        lost = await connection.scalar(backend, {})
    killer = make_engine(engine.url.render_as_string(hide_password=False), 1)
    try:
        async with killer.connect() as other:
            await other.execute(text(f"SELECT pg_terminate_backend({int(lost)})"))
    finally:
        await killer.dispose()
    with pytest.raises(DBAPIError) as raised:  # the pool's one connection, dead
        async with direct_transaction(engine) as connection:
            await connection.scalar(backend, {})
    assert raised.value.connection_invalidated and is_outage(raised.value)
    async with direct_transaction(engine) as connection:  # a fresh one
        assert await connection.scalar(backend, {}) != lost


async def test_what_is_sent_can_be_observed(engine: AsyncEngine) -> None:
    seen: list[str] = []
    with observed(seen.append):
        async with direct_transaction(engine) as connection:
            await connection.all(COUNT, {})
    assert [s.split()[0] for s in seen] == ["SELECT", "COMMIT"]


def test_the_sql_is_compiled_once_per_dialect() -> None:
    engine = make_engine("postgresql+asyncpg://nobody@127.0.0.1:1/none")
    assert NAMED.compiled(engine.dialect) is NAMED.compiled(engine.dialect)


async def test_a_connection_lost_inside_the_block_is_an_outage_and_forgotten(
    engine: AsyncEngine,
) -> None:
    backend = Direct(select(func.pg_backend_pid()))
    killer = make_engine(engine.url.render_as_string(hide_password=False), 1)
    try:
        with pytest.raises(DBAPIError) as raised:
            async with direct_transaction(engine) as connection:
                await connection.all(ADD, values("apple"))
                pid = await connection.scalar(backend, {})
                async with killer.connect() as other:
                    await other.execute(text(f"SELECT pg_terminate_backend({int(pid)})"))
                await connection.all(ADD, values("pear"))
    finally:
        await killer.dispose()
    assert raised.value.connection_invalidated and is_outage(raised.value)
    assert await count(engine) == 0  # nothing of the block was kept
