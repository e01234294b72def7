"""Running a deployment through its use cases, on a database of its own with a movable clock:
visits within the dates, the visit-log reminder (once, whatever restarts or runs alongside) and
the academic-year rollover around 1 September."""

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from services.brokerage.app import build_context
from services.brokerage.config import BrokerageSettings
from services.brokerage.tables import metadata, reminders
from services.brokerage.usecases import deployments, directory, rollover
from services.brokerage.usecases import reminders as scheduler
from services.brokerage.usecases.context import Context
from services.brokerage.usecases.models import Agreement, SleView, SupportRequestView, Visit
from shared.clock import MovableClock
from shared.errors import Conflict, Invalid
from shared.runtime import ServiceRuntime
from tests.brokerage.usecases.conftest import NO_BROKER
from tests.brokerage.usecases.scene import Scene
from tests.support.stack import Stack

LONDON = ZoneInfo("Europe/London")
SPRING = Agreement(
    days=3,
    day_rate_pence=35_000,
    brokerage_fee_percent=10,
    starts_on=date(2027, 1, 11),
    ends_on=date(2027, 3, 26),  # logs due 5 April 2027 (Easter skipped)
)


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=LONDON)  # type: ignore[misc]


@dataclass
class Running:
    stack: Stack
    url: str
    clock: MovableClock

    def start(self) -> Context:
        """A brokerage process on this database and clock (another one is a restart)."""
        settings = self.stack.settings(
            BrokerageSettings, BROKERAGE_DATABASE_URL=self.url, KAFKA_BOOTSTRAP_SERVERS=NO_BROKER
        )
        runtime = ServiceRuntime("brokerage", settings, metadata, clock=self.clock)
        return build_context(runtime, settings)


@pytest.fixture(scope="session")
async def running(stack: Stack) -> Running:
    return Running(
        stack, await stack.migrated_database("brokerage", "brokerage_running"), MovableClock()
    )


@pytest.fixture
async def ctx(running: Running) -> AsyncIterator[Context]:
    running.clock.reset()
    ctx = running.start()
    try:
        yield ctx
    finally:
        await ctx.runtime.engine.dispose()


@pytest.fixture
def scene(ctx: Context) -> Scene:
    return Scene(ctx)


async def visit(
    scene: Scene, rid: UUID, sle: SleView, day: date, days: float
) -> SupportRequestView:
    return await deployments.log_visit(scene.ctx, rid, scene.sle_caller(sle), Visit(day, days))


async def send_all_due(ctx: Context) -> None:
    while await scheduler.send_due(ctx):
        pass


async def agreed(
    scene: Scene, agreement: Agreement = SPRING, days: float = 10, name: str = "Nia Link"
) -> tuple[UUID, SleView]:
    await scene.alliance()
    sle = await scene.sle(name, days=days)
    rid = (await scene.submit(days=agreement.days)).id
    await scene.to_accepted(rid, sle)
    await deployments.agree(scene.ctx, rid, scene.coordinator, agreement)
    return rid, sle


async def test_a_visit_outside_the_dates_or_still_to_come_is_refused_and_changes_nothing(
    scene: Scene, running: Running
) -> None:
    running.clock.pinned = at(2027, 1, 4, 9)
    rid, sle = await agreed(scene)
    before = await scene.events(rid)
    running.clock.pinned = at(2027, 4, 1, 9)
    for day in (date(2027, 1, 8), date(2027, 3, 29)):
        with pytest.raises(Invalid) as refused:
            await deployments.log_visit(scene.ctx, rid, scene.sle_caller(sle), Visit(day, 1))
        assert [e["field"] for e in refused.value.errors] == ["visit_date"]
    running.clock.pinned = at(2027, 2, 1, 9)
    with pytest.raises(Invalid, match="once it has taken place"):
        await visit(scene, rid, sle, date(2027, 2, 2), 1)
    with pytest.raises(Conflict, match="past the 3 agreed"):
        await visit(scene, rid, sle, date(2027, 1, 20), 3.5)
    assert await scene.events(rid) == before
    shown = await visit(scene, rid, sle, date(2027, 1, 11), 0.5)
    assert shown.deployment is not None and shown.deployment.days_delivered == 0.5


async def overdue(scene: Scene, rid: UUID) -> list[dict]:
    return [p for kind, p in await scene.events(rid) if kind == "visit_log_overdue"]


async def test_the_overdue_reminder_goes_once_across_restarts_and_replicas(
    scene: Scene, running: Running
) -> None:
    running.clock.pinned = at(2027, 1, 4, 9)
    rid, sle = await agreed(scene)
    running.clock.pinned = at(2027, 2, 1, 9)
    await visit(scene, rid, sle, date(2027, 1, 20), 1)

    running.clock.pinned = at(2027, 4, 5, 23, 59)  # the last day to log them
    await send_all_due(scene.ctx)
    assert await overdue(scene, rid) == []

    running.clock.pinned = at(2027, 4, 6, 0, 1)
    others = [running.start(), running.start()]  # replicas, or the service after a restart
    try:
        await asyncio.gather(send_all_due(scene.ctx), *(send_all_due(c) for c in others))
        await send_all_due(others[0])
    finally:
        for other in others:
            await other.runtime.engine.dispose()
    restarted = running.start()
    try:
        await send_all_due(restarted)
    finally:
        await restarted.runtime.engine.dispose()

    [event] = await overdue(scene, rid)
    assert event["due_on"] == "2027-04-05" and event["working_days"] == 5
    assert event["days_delivered"] == 1 and event["deployment"]["days"] == 3
    assert event["request"]["coordinators"][0]["email"] == "cora@tsa.example.org"
    async with scene.ctx.runtime.sessions() as session:
        outcome = (
            await session.execute(select(reminders.c.outcome).where(reminders.c.request_id == rid))
        ).scalar_one()
    assert outcome == "sent"


async def test_an_agreement_recorded_after_the_last_day_leaves_time_to_log(
    scene: Scene, running: Running
) -> None:
    running.clock.pinned = at(2027, 5, 3, 9)  # five weeks after SPRING's last day
    rid, _ = await agreed(scene)
    running.clock.pinned = at(2027, 5, 10, 23, 59)
    await send_all_due(scene.ctx)
    assert await overdue(scene, rid) == []
    running.clock.pinned = at(2027, 5, 11, 0, 1)
    await send_all_due(scene.ctx)
    [event] = await overdue(scene, rid)
    assert event["due_on"] == "2027-05-10"  # five working days after the agreement


async def test_no_reminder_when_every_day_is_logged_or_the_deployment_is_over(
    scene: Scene, running: Running
) -> None:
    running.clock.pinned = at(2027, 1, 4, 9)
    logged, sle = await agreed(scene)
    completed, other = await agreed(scene, name="Oli Other")
    running.clock.pinned = at(2027, 3, 26, 17)
    await visit(scene, logged, sle, date(2027, 3, 1), 3)
    await visit(scene, completed, other, date(2027, 3, 1), 1)
    await deployments.complete(scene.ctx, completed, scene.coordinator)
    running.clock.pinned = at(2027, 5, 1, 9)
    await send_all_due(scene.ctx)
    assert await overdue(scene, logged) == [] and await overdue(scene, completed) == []
    async with scene.ctx.runtime.sessions() as session:
        outcomes = (
            (
                await session.execute(
                    select(reminders.c.outcome).where(
                        reminders.c.request_id.in_([logged, completed])
                    )
                )
            )
            .scalars()
            .all()
        )
    assert outcomes == ["not_needed", "not_needed"]


async def test_an_sles_days_roll_over_on_1_september_carrying_what_is_still_owed(
    scene: Scene, running: Running
) -> None:
    running.clock.pinned = at(2027, 8, 20, 9)
    summer = Agreement(
        days=4,
        day_rate_pence=35_000,
        brokerage_fee_pence=0,
        starts_on=date(2027, 8, 23),
        ends_on=date(2027, 10, 15),
    )
    rid, sle = await agreed(scene, summer, days=10)
    running.clock.pinned = at(2027, 8, 25, 9)
    await visit(scene, rid, sle, date(2027, 8, 24), 1)

    async def days_of(sle_id: UUID) -> tuple[float, float]:
        shown = await directory.get_sle(scene.ctx, scene.alliance_id, sle_id)
        return shown.days_committed, shown.days_left

    assert await days_of(sle.id) == (4, 6)
    running.clock.pinned = at(2027, 8, 31, 23, 59)
    await rollover.roll_over_due(scene.ctx.runtime)
    assert await days_of(sle.id) == (4, 6)  # still the old year

    running.clock.pinned = at(2027, 9, 1, 0, 1)
    while await rollover.roll_over_due(scene.ctx.runtime):
        pass
    assert await days_of(sle.id) == (3, 7)  # a fresh 10, with the 3 still owed carried
    await rollover.roll_over_due(scene.ctx.runtime)
    assert await days_of(sle.id) == (3, 7)  # once only
    done = await deployments.complete(scene.ctx, rid, scene.coordinator)
    assert done.deployment is not None and done.deployment.days_delivered == 1
    assert await days_of(sle.id) == (0, 10)


async def test_agreeing_with_an_sle_not_yet_rolled_over_rolls_it_over_first(
    scene: Scene, running: Running
) -> None:
    running.clock.pinned = at(2027, 7, 1, 9)
    july = Agreement(
        days=3,
        day_rate_pence=35_000,
        brokerage_fee_pence=0,
        starts_on=date(2027, 7, 5),
        ends_on=date(2027, 9, 30),
    )
    first, sle = await agreed(scene, july, days=4)
    running.clock.pinned = at(2027, 7, 20, 9)
    await visit(scene, first, sle, date(2027, 7, 6), 3)
    second = (await scene.submit(days=1)).id
    await scene.to_accepted(second, sle)

    running.clock.pinned = at(2027, 9, 6, 9)  # no rollover has run yet
    autumn = Agreement(
        days=1,
        day_rate_pence=35_000,
        brokerage_fee_pence=0,
        starts_on=date(2027, 9, 13),
        ends_on=date(2027, 10, 22),
    )
    await deployments.agree(scene.ctx, second, scene.coordinator, autumn)
    shown = await directory.get_sle(scene.ctx, scene.alliance_id, sle.id)
    # The new year's 4: nothing carried from the first (all delivered), 1 for the second.
    assert (shown.days_committed, shown.days_left) == (1, 3)
    await rollover.roll_over_due(scene.ctx.runtime)
    shown = await directory.get_sle(scene.ctx, scene.alliance_id, sle.id)
    assert (shown.days_committed, shown.days_left) == (1, 3)
