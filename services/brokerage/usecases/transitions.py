"""The lifecycle's use cases: load and lock the request, let the state machine rule, save the
change and its event in one transaction.

Lock order is always the request row, then the SLE row, so two use cases never wait on each
other in opposite orders. Agreeing a deployment locks the SLE row before reserving its days:
concurrent agreements on one SLE queue there, and the table's check constraint backs it up.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy.ext.asyncio import AsyncSession

from services.brokerage import repository as repo
from services.brokerage.access import Caller, resolve
from services.brokerage.api.schemas import (
    AgreeIn,
    EvaluateIn,
    SupportRequestOut,
    TriageIn,
    VisitIn,
)
from services.brokerage.domain import deployment as terms
from services.brokerage.domain.lifecycle import (
    Action,
    Actor,
    Confirmation,
    IllegalTransition,
    NotAllowed,
    Outcome,
    RequestState,
    Status,
    apply,
)
from services.brokerage.events import deployment_info, request_info, sle_info
from services.brokerage.keys import Keys
from services.brokerage.usecases.requests import present, rank, school_url, staff_url
from shared.contracts.brokerage import (
    DeploymentAgreed,
    RequestCancelled,
    RequestCompleted,
    RequestEvaluated,
    RequestInfo,
    RequestTriaged,
    RequestWithdrawn,
    SleAccepted,
    SleDeclined,
    SleProposed,
    VisitLogged,
)
from shared.runtime import ServiceRuntime
from shared.web.problems import Conflict, Forbidden, NotFound, Unprocessable


@dataclass
class Step:
    """One transition under way: the locked rows, who acts, and what the machine decided."""

    runtime: ServiceRuntime
    session: AsyncSession
    request: dict[str, Any]
    alliance: Mapping[str, Any]
    sle: Mapping[str, Any] | None
    actor: Actor
    outcome: Outcome
    changes: dict[str, Any] = field(default_factory=dict)

    @property
    def status(self) -> Status:
        return self.outcome.state.status

    async def save(self, **changes: Any) -> None:
        values = {
            "status": self.status.value,
            "confirmations": sorted(c.value for c in self.outcome.state.confirmations),
            **changes,
        }
        await repo.update_request(self.session, self.request["id"], **values)
        self.request.update(values)

    def info(self) -> RequestInfo:
        return request_info(
            self.request, self.alliance, staff_url(self.runtime, self.request["id"])
        )


async def _begin(
    runtime: ServiceRuntime,
    session: AsyncSession,
    request_id: UUID,
    caller: Caller,
    action: Action,
) -> Step:
    row = await repo.get_request(session, request_id, lock=True)
    if row is None:
        raise NotFound("no such support request")
    request = dict(row)
    sle = None
    if request["proposed_sle_id"] is not None:
        sle = await repo.get_sle(session, request["proposed_sle_id"], request["alliance_id"])
    actor = resolve(caller, request, sle, action)
    state = RequestState(
        Status(request["status"]), frozenset(Confirmation(c) for c in request["confirmations"])
    )
    try:
        outcome = apply(state, action, actor)
    except IllegalTransition as exc:
        raise Conflict(
            str(exc), title="Not possible now", current_status=exc.current.value
        ) from None
    except NotAllowed as exc:
        raise Forbidden(str(exc)) from None
    alliance = await repo.get_alliance(session, request["alliance_id"])
    assert alliance is not None
    return Step(runtime, session, request, alliance, sle, actor, outcome)


async def _done(step: Step) -> SupportRequestOut:
    return await present(step.session, step.request)


async def triage(
    runtime: ServiceRuntime, request_id: UUID, caller: Caller, body: TriageIn
) -> SupportRequestOut:
    async with runtime.transaction() as session:
        step = await _begin(runtime, session, request_id, caller, Action.TRIAGE)
        changes: dict[str, Any] = {"priority": body.priority, "triage_note": body.note}
        if body.region:
            changes["region"] = body.region
        await step.save(**changes)
        await runtime.outbox.add(
            session, RequestTriaged(request=step.info(), priority=body.priority, note=body.note)
        )
        return await _done(step)


async def start_matching(
    runtime: ServiceRuntime, request_id: UUID, caller: Caller
) -> SupportRequestOut:
    async with runtime.transaction() as session:
        step = await _begin(runtime, session, request_id, caller, Action.START_MATCHING)
        await step.save()
        return await _done(step)


async def propose(
    runtime: ServiceRuntime, keys: Keys, request_id: UUID, caller: Caller, sle_id: UUID
) -> SupportRequestOut:
    async with runtime.transaction() as session:
        step = await _begin(runtime, session, request_id, caller, Action.PROPOSE)
        sle = await repo.get_sle(session, sle_id, step.request["alliance_id"])
        if sle is None:
            raise Unprocessable(
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
        await runtime.outbox.add(
            session,
            SleProposed(
                request=step.info(),
                sle=sle_info(sle),
                rank=chosen.rank,
                reasons=chosen.reasons,
                school_manage_url=school_url(runtime, keys, request_id),
            ),
        )
        return await _done(step)


async def confirm(
    runtime: ServiceRuntime, request_id: UUID, caller: Caller, action: Action
) -> SupportRequestOut:
    """The SLE accepts, the school confirms or the home school releases."""
    assert action in (Action.SLE_ACCEPT, Action.SCHOOL_CONFIRM, Action.HOME_RELEASE)
    async with runtime.transaction() as session:
        step = await _begin(runtime, session, request_id, caller, action)
        await step.save()
        if step.outcome.became_accepted:
            assert step.sle is not None
            await runtime.outbox.add(
                session, SleAccepted(request=step.info(), sle=sle_info(step.sle))
            )
        return await _done(step)


async def decline(
    runtime: ServiceRuntime, request_id: UUID, caller: Caller, reason: str | None
) -> SupportRequestOut:
    async with runtime.transaction() as session:
        step = await _begin(runtime, session, request_id, caller, Action.SLE_DECLINE)
        assert step.sle is not None
        await step.save(
            proposed_sle_id=None,
            proposal_rank=None,
            proposal_reasons=None,
            declined_sle_ids=[*step.request["declined_sle_ids"], step.sle["id"]],
        )
        await runtime.outbox.add(
            session, SleDeclined(request=step.info(), sle=sle_info(step.sle), reason=reason)
        )
        return await _done(step)


async def agree(
    runtime: ServiceRuntime, request_id: UUID, caller: Caller, body: AgreeIn
) -> SupportRequestOut:
    try:
        agreed = terms.make_terms(
            body.days,
            body.day_rate_pence,
            body.starts_on,
            body.ends_on,
            fee_pence=body.brokerage_fee_pence,
            fee_percent=body.brokerage_fee_percent,
        )
    except terms.InvalidTerms as exc:
        raise Unprocessable(str(exc)) from None
    async with runtime.transaction() as session:
        step = await _begin(runtime, session, request_id, caller, Action.AGREE)
        assert step.sle is not None
        sle = await repo.get_sle(session, step.sle["id"], step.request["alliance_id"], lock=True)
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
            "starts_on": agreed.starts_on,
            "ends_on": agreed.ends_on,
            "status": "agreed",
        }
        await repo.insert_deployment(session, **deployment)
        await step.save()
        await runtime.outbox.add(
            session,
            DeploymentAgreed(
                request=step.info(), sle=sle_info(sle), deployment=deployment_info(deployment)
            ),
        )
        return await _done(step)


async def log_visit(
    runtime: ServiceRuntime, request_id: UUID, caller: Caller, body: VisitIn
) -> SupportRequestOut:
    async with runtime.transaction() as session:
        step = await _begin(runtime, session, request_id, caller, Action.LOG_VISIT)
        assert step.sle is not None
        deployment = await repo.get_deployment(session, request_id)
        assert deployment is not None
        try:
            delivered = terms.deliver(
                repo.days(deployment["days"]), repo.days(deployment["days_delivered"]), body.days
            )
        except terms.InvalidTerms as exc:
            raise Conflict(str(exc), current_status=step.request["status"]) from None
        await repo.insert_visit(
            session,
            id=uuid4(),
            deployment_id=deployment["id"],
            visit_date=body.visit_date,
            days=body.days,
            summary=body.summary,
            logged_by=caller.principal.subject if caller.principal else "school",
        )
        await repo.update_deployment(
            session, deployment["id"], days_delivered=delivered, status="active"
        )
        await step.save()
        await runtime.outbox.add(
            session,
            VisitLogged(
                request=step.info(),
                sle=sle_info(step.sle),
                visit_date=body.visit_date,
                days=body.days,
                days_delivered=delivered,
                summary=body.summary,
            ),
        )
        return await _done(step)


async def _release_undelivered(step: Step, end_status: str) -> float:
    """Give the SLE back the days agreed but not delivered; how many were given back."""
    deployment = await repo.get_deployment(step.session, step.request["id"])
    if deployment is None or deployment["status"] not in repo.UNDER_WAY:
        return 0.0
    released = terms.undelivered(
        repo.days(deployment["days"]), repo.days(deployment["days_delivered"])
    )
    sle = await repo.get_sle(
        step.session, deployment["sle_id"], step.request["alliance_id"], lock=True
    )
    assert sle is not None
    await repo.update_sle(
        step.session, sle["id"], days_committed=repo.days(sle["days_committed"]) - released
    )
    await repo.update_deployment(
        step.session, deployment["id"], status=end_status, days_released=released
    )
    return released


async def complete(runtime: ServiceRuntime, request_id: UUID, caller: Caller) -> SupportRequestOut:
    async with runtime.transaction() as session:
        step = await _begin(runtime, session, request_id, caller, Action.COMPLETE)
        assert step.sle is not None
        await _release_undelivered(step, "completed")
        deployment = await repo.get_deployment(session, request_id)
        assert deployment is not None
        await step.save()
        await runtime.outbox.add(
            session,
            RequestCompleted(
                request=step.info(),
                sle=sle_info(step.sle),
                days_delivered=repo.days(deployment["days_delivered"]),
            ),
        )
        return await _done(step)


async def evaluate(
    runtime: ServiceRuntime, request_id: UUID, caller: Caller, body: EvaluateIn
) -> SupportRequestOut:
    async with runtime.transaction() as session:
        step = await _begin(runtime, session, request_id, caller, Action.EVALUATE)
        await step.save(rating=body.rating, evaluation=body.comments)
        await runtime.outbox.add(session, RequestEvaluated(request=step.info(), rating=body.rating))
        return await _done(step)


async def end(
    runtime: ServiceRuntime, request_id: UUID, caller: Caller, action: Action, reason: str | None
) -> SupportRequestOut:
    """Withdraw (the school) or cancel (a coordinator): undelivered days go back to the SLE."""
    assert action in (Action.WITHDRAW, Action.CANCEL)
    async with runtime.transaction() as session:
        step = await _begin(runtime, session, request_id, caller, action)
        released = await _release_undelivered(step, "cancelled")
        await step.save(exit_reason=reason)
        event = RequestWithdrawn if action is Action.WITHDRAW else RequestCancelled
        await runtime.outbox.add(
            session,
            event(
                request=step.info(),
                sle=sle_info(step.sle) if step.sle is not None else None,
                reason=reason,
                days_released=released,
            ),
        )
        return await _done(step)


async def mark_unmatched(
    runtime: ServiceRuntime, request_id: UUID, caller: Caller, reason: str | None
) -> SupportRequestOut:
    async with runtime.transaction() as session:
        step = await _begin(runtime, session, request_id, caller, Action.MARK_UNMATCHED)
        await step.save(exit_reason=reason)
        return await _done(step)
