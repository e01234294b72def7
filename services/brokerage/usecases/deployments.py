"""The deployment: agreeing it reserves the SLE's days (and schedules the visit-log reminder),
visits within its dates deliver them, completion (or an early end) gives back what was not
delivered.

Agreeing locks the SLE row (after the request row) before reserving: concurrent agreements on
one SLE queue there, and the table's check constraint backs it up.
"""

from uuid import UUID, uuid4

from services.brokerage import repository as repo
from services.brokerage.domain import deployment as terms
from services.brokerage.domain import money as settlement
from services.brokerage.domain.lifecycle import Action
from services.brokerage.published import deployment_info, sle_info
from services.brokerage.usecases.access import Caller
from services.brokerage.usecases.context import Context
from services.brokerage.usecases.models import Agreement, SupportRequestView, Visit
from services.brokerage.usecases.reminders import remind_of_visit_logs
from services.brokerage.usecases.step import Step, begin
from shared.contracts.brokerage import (
    DeploymentAgreed,
    DeploymentSettled,
    RequestCompleted,
    VisitLogged,
)
from shared.errors import Conflict, Invalid


async def agree(
    ctx: Context, request_id: UUID, caller: Caller, agreement: Agreement
) -> SupportRequestView:
    try:
        agreed = terms.make_terms(
            agreement.days,
            agreement.day_rate_pence,
            agreement.starts_on,
            agreement.ends_on,
            fee_pence=agreement.brokerage_fee_pence,
            fee_percent=agreement.brokerage_fee_percent,
        )
    except terms.InvalidTerms as exc:
        raise Invalid(str(exc)) from None
    async with ctx.runtime.transaction() as session:
        step = await begin(ctx, session, request_id, caller, Action.AGREE)
        assert step.sle is not None
        sle = await ctx.lock_sle(session, step.sle["id"], step.request["alliance_id"])
        assert sle is not None
        try:
            committed = terms.reserve(
                repo.days(sle["days_available"]), repo.days(sle["days_committed"]), agreed.days
            )
        except terms.NotEnoughDays as exc:
            raise Conflict(
                str(exc),
                title="Not enough days",
                days_left=exc.days_left,
                current_status="accepted",
            ) from None
        await repo.update_sle(session, sle["id"], days_committed=committed)
        deployment = {
            "id": uuid4(),
            "request_id": request_id,
            "sle_id": sle["id"],
            "days": agreed.days,
            "day_rate_pence": agreed.day_rate_pence,
            "brokerage_fee_pence": agreed.brokerage_fee_pence,
            "brokerage_fee_percent": agreement.brokerage_fee_percent,
            "starts_on": agreed.starts_on,
            "ends_on": agreed.ends_on,
            "status": "agreed",
        }
        await repo.insert_deployment(session, **deployment)
        await remind_of_visit_logs(ctx, session, deployment)
        await step.save()
        await ctx.runtime.outbox.add(
            session,
            DeploymentAgreed(
                request=step.info(),
                sle=sle_info(sle),
                deployment=deployment_info(deployment),
                school_link_sealed=step.sealed_school_url(),
            ),
        )
        return await step.view()


async def log_visit(
    ctx: Context, request_id: UUID, caller: Caller, visit: Visit
) -> SupportRequestView:
    async with ctx.runtime.transaction() as session:
        step = await begin(ctx, session, request_id, caller, Action.LOG_VISIT)
        assert step.sle is not None
        deployment = await repo.get_deployment(session, request_id)
        assert deployment is not None
        try:
            terms.check_visit_date(
                visit.visit_date, deployment["starts_on"], deployment["ends_on"], ctx.today()
            )
        except terms.VisitOutsideDeployment as exc:
            raise Invalid(str(exc), errors=[{"field": "visit_date", "message": str(exc)}]) from None
        try:
            delivered = terms.deliver(
                repo.days(deployment["days"]), repo.days(deployment["days_delivered"]), visit.days
            )
        except terms.InvalidTerms as exc:
            raise Conflict(str(exc), current_status=step.request["status"]) from None
        await repo.insert_visit(
            session,
            id=uuid4(),
            deployment_id=deployment["id"],
            visit_date=visit.visit_date,
            days=visit.days,
            summary=visit.summary,
            logged_by=caller.principal.subject if caller.principal else "school",
        )
        await repo.update_deployment(
            session, deployment["id"], days_delivered=delivered, status="active"
        )
        await step.save()
        await ctx.runtime.outbox.add(
            session,
            VisitLogged(
                request=step.info(),
                sle=sle_info(step.sle),
                visit_date=visit.visit_date,
                days=visit.days,
                days_delivered=delivered,
                summary=visit.summary,
            ),
        )
        return await step.view()


async def release_undelivered(step: Step, end_status: str) -> float:
    """Give the SLE back the days agreed but not delivered; how many were given back."""
    deployment = await repo.get_deployment(step.session, step.request["id"])
    if deployment is None or deployment["status"] not in repo.UNDER_WAY:
        return 0.0
    released = terms.undelivered(
        repo.days(deployment["days"]), repo.days(deployment["days_delivered"])
    )
    sle = await step.ctx.lock_sle(step.session, deployment["sle_id"], step.request["alliance_id"])
    assert sle is not None
    await repo.update_sle(
        step.session, sle["id"], days_committed=repo.days(sle["days_committed"]) - released
    )
    await repo.update_deployment(
        step.session, deployment["id"], status=end_status, days_released=released
    )
    return released


async def settle(step: Step, outcome: str) -> None:
    """Publish the money of the deployment that has just ended (none if it never started):
    the days delivered so far at the day rate, and the brokerage fee on them."""
    deployment = await repo.get_deployment(step.session, step.request["id"])
    if deployment is None or step.sle is None:
        return
    percent = deployment["brokerage_fee_percent"]
    money = settlement.settle(
        repo.days(deployment["days_delivered"]),
        deployment["day_rate_pence"],
        fixed_fee_pence=deployment["brokerage_fee_pence"],
        fee_percent=percent,
    )
    await step.ctx.runtime.outbox.add(
        step.session,
        DeploymentSettled(
            request=step.info(),
            sle=sle_info(step.sle),
            outcome=outcome,  # type: ignore[arg-type]
            days_delivered=money.days_delivered,
            day_rate_pence=money.day_rate_pence,
            sle_days_pence=money.sle_days_pence,
            brokerage_fee_basis=money.basis,  # type: ignore[arg-type]
            brokerage_fee_percent=money.percent,
            brokerage_fee_pence=money.brokerage_fee_pence,
            settled_on=step.ctx.today(),
        ),
    )


async def complete(ctx: Context, request_id: UUID, caller: Caller) -> SupportRequestView:
    async with ctx.runtime.transaction() as session:
        step = await begin(ctx, session, request_id, caller, Action.COMPLETE)
        assert step.sle is not None
        await release_undelivered(step, "completed")
        deployment = await repo.get_deployment(session, request_id)
        assert deployment is not None
        await step.save()
        await ctx.runtime.outbox.add(
            session,
            RequestCompleted(
                request=step.info(),
                sle=sle_info(step.sle),
                days_delivered=repo.days(deployment["days_delivered"]),
                school_link_sealed=step.sealed_school_url(),
            ),
        )
        await settle(step, "completed")
        return await step.view()
