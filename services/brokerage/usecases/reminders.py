"""The restart-safe scheduler: reminders are rows in brokerage's database; a worker claims the
due ones (``FOR UPDATE SKIP LOCKED``), puts each one's event in the outbox and marks it done in
the same transaction, so each reminder is sent exactly once, whatever restarts in between.

Visit logs: every visit of a deployment is due logged within ``visit_log_working_days`` working
days of its last day (``ends_on``), or of its agreement if that came later. If by then the
deployment is still under way with days not logged as delivered, the coordinator is reminded,
once per deployment.
"""

from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from services.brokerage import repository as repo
from services.brokerage import schedule
from services.brokerage.domain.calendar import LONDON, london_date
from services.brokerage.domain.deployment import visit_log_due
from services.brokerage.published import deployment_info, request_info, sle_info
from services.brokerage.usecases.context import Context
from shared.contracts.brokerage import VisitLogOverdue
from shared.workers import Worker

VISIT_LOG_OVERDUE = "visit_log_overdue"
BATCH = 50


async def remind_of_visit_logs(
    ctx: Context, session: AsyncSession, deployment: Mapping[str, Any]
) -> None:
    """Schedule the overdue check of a newly agreed deployment's visit logs."""
    due_on = visit_log_due(deployment["ends_on"], ctx.today(), ctx.visit_log_working_days)
    # Overdue from the start of the next day in England.
    due_at = datetime.combine(due_on + timedelta(days=1), time(0), tzinfo=LONDON)
    await schedule.schedule(
        session,
        kind=VISIT_LOG_OVERDUE,
        key=str(deployment["id"]),
        request_id=deployment["request_id"],
        due_at=due_at,
    )


async def _overdue_event(
    ctx: Context, session: AsyncSession, request_id: UUID, due_on: date
) -> VisitLogOverdue | None:
    deployment = await repo.get_deployment(session, request_id)
    if deployment is None or deployment["status"] not in repo.UNDER_WAY:
        return None
    delivered = repo.days(deployment["days_delivered"])
    if delivered >= repo.days(deployment["days"]):
        return None
    request = await repo.get_request(session, request_id)
    assert request is not None
    alliance = await repo.get_alliance(session, request["alliance_id"])
    sle = await repo.get_sle(session, deployment["sle_id"], request["alliance_id"])
    assert alliance is not None and sle is not None
    return VisitLogOverdue(
        request=request_info(request, alliance, ctx.staff_url(request_id)),
        sle=sle_info(sle),
        deployment=deployment_info(deployment),
        days_delivered=delivered,
        due_on=due_on,
        working_days=ctx.visit_log_working_days,
    )


async def send_due(ctx: Context) -> bool:
    """One batch of due reminders sent (or found no longer needed) and marked done; True
    while a full batch suggests more are due."""
    now = ctx.runtime.clock.now()
    async with ctx.runtime.transaction() as session:
        due = await schedule.claim_due(session, now, BATCH)
        for reminder in due:
            event = None
            if reminder["kind"] == VISIT_LOG_OVERDUE:
                due_on = london_date(reminder["due_at"]) - timedelta(days=1)
                event = await _overdue_event(ctx, session, reminder["request_id"], due_on)
            if event is not None:
                await ctx.runtime.outbox.add(session, event)
            outcome = "sent" if event is not None else "not_needed"
            await schedule.mark_done(session, reminder["kind"], reminder["key"], now, outcome)
    return len(due) == BATCH


def reminder_worker(ctx: Context, interval_s: float) -> Worker:
    return Worker("brokerage-reminders", lambda: send_due(ctx), interval_s=interval_s)
