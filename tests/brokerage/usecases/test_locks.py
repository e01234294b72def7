"""A change waits for a row lock only as long as BROKERAGE_LOCK_TIMEOUT_MS: while another
connection holds the request (or the SLE) row, the use case ends with PostgreSQL's
lock_not_available (SQLSTATE 55P03, which the kernel answers with 503 and Retry-After) instead
of hanging, and changes nothing; once the lock is released the same change goes through."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from pydantic import ValidationError
from sqlalchemy import Table, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from services.brokerage.config import BrokerageSettings
from services.brokerage.tables import sles, support_requests
from services.brokerage.usecases import deployments, directory, reading, transitions
from services.brokerage.usecases.models import SleChanges, Triage
from tests.brokerage.usecases.scene import AGREEMENT, Scene

# Only there so that a regression fails the test rather than hanging the run.
HANG_GUARD_S = 30


def sqlstate(exc: DBAPIError) -> str | None:
    for candidate in (exc.orig, getattr(exc.orig, "__cause__", None)):
        state = getattr(candidate, "sqlstate", None) or getattr(candidate, "pgcode", None)
        if state:
            return str(state)
    return None


@asynccontextmanager
async def holding(scene: Scene, table: Table, row_id: Any) -> AsyncIterator[AsyncSession]:
    """Another connection holds ``row_id``'s row lock until the block ends."""
    async with scene.ctx.runtime.sessions() as other, other.begin():
        await other.execute(select(table.c.id).where(table.c.id == row_id).with_for_update())
        yield other


async def refused_for_the_lock(change: Any) -> None:
    with pytest.raises(DBAPIError) as raised:
        async with asyncio.timeout(HANG_GUARD_S):
            await change
    assert sqlstate(raised.value) == "55P03", raised.value


async def test_a_held_request_row_ends_the_wait_with_lock_not_available(scene: Scene) -> None:
    await scene.alliance()
    rid = (await scene.submit()).id
    async with holding(scene, support_requests, rid):
        await refused_for_the_lock(
            transitions.triage(scene.ctx, rid, scene.coordinator, Triage(priority="urgent"))
        )
    shown = await reading.get(scene.ctx, rid, scene.alliance_id)
    assert shown.status == "submitted" and shown.priority is None
    assert [kind for kind, _ in await scene.events(rid)] == ["request_submitted"]
    triaged = await transitions.triage(scene.ctx, rid, scene.coordinator, Triage("urgent"))
    assert triaged.status == "triaged" and triaged.priority == "urgent"


async def test_a_held_sle_row_ends_an_agreement_and_a_directory_change(scene: Scene) -> None:
    await scene.alliance()
    sle = await scene.sle(days=10)
    rid = (await scene.submit()).id
    await scene.to_accepted(rid, sle)
    async with holding(scene, sles, sle.id):
        await refused_for_the_lock(deployments.agree(scene.ctx, rid, scene.coordinator, AGREEMENT))
        await refused_for_the_lock(
            directory.patch_sle(
                scene.ctx, scene.alliance_id, sle.id, SleChanges.of(days_available=12)
            )
        )
    unchanged = await directory.get_sle(scene.ctx, scene.alliance_id, sle.id)
    assert unchanged.days_available == 10 and unchanged.days_committed == 0
    assert (await reading.get(scene.ctx, rid, scene.alliance_id)).status == "accepted"
    agreed = await deployments.agree(scene.ctx, rid, scene.coordinator, AGREEMENT)
    assert agreed.status == "agreed"


def test_the_timeout_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BROKERAGE_LOCK_TIMEOUT_MS", raising=False)
    assert BrokerageSettings().lock_timeout_ms == 2000
    monkeypatch.setenv("BROKERAGE_LOCK_TIMEOUT_MS", "750")
    assert BrokerageSettings().lock_timeout_ms == 750
    monkeypatch.setenv("BROKERAGE_LOCK_TIMEOUT_MS", "0")  # 0 would mean: wait for ever
    with pytest.raises(ValidationError):
        BrokerageSettings()
