"""The lifecycle's steps up to the agreement, and the ways out of it: each one a transaction
that saves the change and its event together (see ``step.py``)."""

from uuid import UUID

from services.brokerage import repository as repo
from services.brokerage.domain.lifecycle import CONFIRMS, Action, Actor, Confirmation
from services.brokerage.published import sle_info
from services.brokerage.usecases.access import Caller
from services.brokerage.usecases.context import Context
from services.brokerage.usecases.deployments import release_undelivered, settle
from services.brokerage.usecases.models import Evaluation, SupportRequestView, Triage
from services.brokerage.usecases.reading import rank
from services.brokerage.usecases.step import begin
from shared.contracts.brokerage import (
    PartyConfirmed,
    RequestCancelled,
    RequestEvaluated,
    RequestTriaged,
    RequestUnmatched,
    RequestWithdrawn,
    SleAccepted,
    SleDeclined,
    SleProposed,
)
from shared.errors import Conflict, Invalid

PARTY = {
    Confirmation.SLE_ACCEPTED: "sle",
    Confirmation.SCHOOL_CONFIRMED: "school",
    Confirmation.HOME_RELEASED: "home_school",
}


async def triage(
    ctx: Context, request_id: UUID, caller: Caller, triage: Triage
) -> SupportRequestView:
    async with ctx.runtime.transaction() as session:
        step = await begin(ctx, session, request_id, caller, Action.TRIAGE)
        changes = {"priority": triage.priority, "triage_note": triage.note}
        if triage.region:
            changes["region"] = triage.region
        await step.save(**changes)
        await ctx.runtime.outbox.add(
            session,
            RequestTriaged(request=step.info(), priority=triage.priority, note=triage.note),
        )
        return await step.view()


async def start_matching(ctx: Context, request_id: UUID, caller: Caller) -> SupportRequestView:
    async with ctx.runtime.transaction() as session:
        step = await begin(ctx, session, request_id, caller, Action.START_MATCHING)
        await step.save()
        return await step.view()


async def propose(
    ctx: Context, request_id: UUID, caller: Caller, sle_id: UUID
) -> SupportRequestView:
    async with ctx.runtime.transaction() as session:
        step = await begin(ctx, session, request_id, caller, Action.PROPOSE)
        sle = await repo.get_sle(session, sle_id, step.request["alliance_id"])
        if sle is None:
            raise Invalid(
                "no such SLE in this alliance",
                errors=[{"field": "sle_id", "message": "unknown SLE"}],
            )
        if sle_id in step.request["declined_sle_ids"]:
            raise Conflict("this SLE has already declined this request")
        ranked = {r.candidate.sle_id: r for r in await rank(session, step.request)}
        chosen = ranked.get(sle_id)
        if chosen is None:
            raise Conflict(
                "this SLE cannot be proposed: not active, or without enough days left this "
                "year for the days requested"
            )
        await step.save(
            proposed_sle_id=sle_id, proposal_rank=chosen.rank, proposal_reasons=chosen.reasons
        )
        await ctx.runtime.outbox.add(
            session,
            SleProposed(
                request=step.info(),
                sle=sle_info(sle),
                rank=chosen.rank,
                reasons=chosen.reasons,
                school_link_sealed=step.sealed_school_url(),
            ),
        )
        return await step.view()


async def confirm(
    ctx: Context, request_id: UUID, caller: Caller, action: Action
) -> SupportRequestView:
    """The SLE accepts, the school confirms or the home school releases."""
    assert action in (Action.SLE_ACCEPT, Action.SCHOOL_CONFIRM, Action.HOME_RELEASE)
    async with ctx.runtime.transaction() as session:
        step = await begin(ctx, session, request_id, caller, action)
        await step.save()
        assert step.sle is not None
        gathered = step.outcome.state.confirmations
        await ctx.runtime.outbox.add(
            session,
            PartyConfirmed(
                request=step.info(),
                sle=sle_info(step.sle),
                party=PARTY[CONFIRMS[action]],
                awaiting=[p for c, p in PARTY.items() if c not in gathered],
            ),
        )
        if step.outcome.became_accepted:
            assert step.sle is not None
            await ctx.runtime.outbox.add(
                session,
                SleAccepted(
                    request=step.info(),
                    sle=sle_info(step.sle),
                    school_link_sealed=step.sealed_school_url(),
                ),
            )
        return await step.view()


async def decline(
    ctx: Context, request_id: UUID, caller: Caller, reason: str | None
) -> SupportRequestView:
    async with ctx.runtime.transaction() as session:
        step = await begin(ctx, session, request_id, caller, Action.SLE_DECLINE)
        assert step.sle is not None
        await step.save(
            proposed_sle_id=None,
            proposal_rank=None,
            proposal_reasons=None,
            declined_sle_ids=[*step.request["declined_sle_ids"], step.sle["id"]],
        )
        await ctx.runtime.outbox.add(
            session,
            SleDeclined(
                request=step.info(),
                sle=sle_info(step.sle),
                reason=reason,
                school_link_sealed=step.sealed_school_url(),
            ),
        )
        return await step.view()


async def evaluate(
    ctx: Context, request_id: UUID, caller: Caller, evaluation: Evaluation
) -> SupportRequestView:
    async with ctx.runtime.transaction() as session:
        step = await begin(ctx, session, request_id, caller, Action.EVALUATE)
        await step.save(rating=evaluation.rating, evaluation=evaluation.comments)
        await ctx.runtime.outbox.add(
            session,
            RequestEvaluated(
                request=step.info(),
                rating=evaluation.rating,
                comments=evaluation.comments,
                evaluated_by="school" if step.actor is Actor.SCHOOL else "coordinator",
            ),
        )
        return await step.view()


async def end(
    ctx: Context, request_id: UUID, caller: Caller, action: Action, reason: str | None
) -> SupportRequestView:
    """Withdraw (the school) or cancel (a coordinator): undelivered days go back to the SLE."""
    assert action in (Action.WITHDRAW, Action.CANCEL)
    async with ctx.runtime.transaction() as session:
        step = await begin(ctx, session, request_id, caller, action)
        deployment = await repo.get_deployment(session, request_id)
        under_way = deployment is not None and deployment["status"] in repo.UNDER_WAY
        released = await release_undelivered(step, "cancelled")
        await step.save(exit_reason=reason)
        event = RequestWithdrawn if action is Action.WITHDRAW else RequestCancelled
        await ctx.runtime.outbox.add(
            session,
            event(
                request=step.info(),
                sle=sle_info(step.sle) if step.sle is not None else None,
                reason=reason,
                days_released=released,
                school_link_sealed=step.sealed_school_url(),
            ),
        )
        if under_way:
            await settle(step, "withdrawn" if action is Action.WITHDRAW else "cancelled")
        return await step.view()


async def mark_unmatched(
    ctx: Context, request_id: UUID, caller: Caller, reason: str | None
) -> SupportRequestView:
    async with ctx.runtime.transaction() as session:
        step = await begin(ctx, session, request_id, caller, Action.MARK_UNMATCHED)
        await step.save(exit_reason=reason)
        await ctx.runtime.outbox.add(
            session,
            RequestUnmatched(
                request=step.info(),
                reason=reason,
                school_link_sealed=step.sealed_school_url(),
            ),
        )
        return await step.view()
