"""An SLE's days roll over at the academic year (1 September): the allowance starts afresh and
the days their running deployments have still to deliver are carried as committed.

A worker rolls every SLE over soon after 1 September; any change that locks an SLE row to
reserve or give back days rolls it over first, so days are never counted against a past year.
"""

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.brokerage import repository as repo
from services.brokerage import schedule
from services.brokerage.domain.calendar import academic_year, london_date
from services.brokerage.domain.deployment import roll_over
from shared.runtime import ServiceRuntime
from shared.workers import Worker

BATCH = 100


async def bring_up_to_date(session: AsyncSession, sle: dict[str, Any], year: int) -> None:
    """Roll the locked SLE row ``sle`` over to ``year`` if its days are of an earlier one."""
    if sle["academic_year"] >= year:
        return
    running = await schedule.running_days(session, sle["id"])
    new = roll_over(repo.days(sle["days_available"]), running)
    values = {
        "academic_year": year,
        "days_available": new.days_available,
        "days_committed": new.days_committed,
    }
    await repo.update_sle(session, sle["id"], **values)
    sle.update(values)


async def roll_over_due(runtime: ServiceRuntime, year: int | None = None) -> bool:
    """One batch of SLEs brought to this academic year; True while more may be waiting."""
    year = year or academic_year(london_date(runtime.clock.now()))
    async with runtime.transaction() as session:
        stale = await schedule.stale_sles(session, year, BATCH)
        for row in stale:
            await bring_up_to_date(session, dict(row), year)
    return len(stale) == BATCH


def rollover_worker(runtime: ServiceRuntime, interval_s: float) -> Worker:
    return Worker("brokerage-rollover", lambda: roll_over_due(runtime), interval_s=interval_s)
