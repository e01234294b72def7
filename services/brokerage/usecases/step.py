"""One transition under way: load and lock the request, find who acts, let the state machine
rule; the use case then saves the change and its event in the same transaction.

Lock order is always the request row, then the SLE row, so two use cases never wait on each
other in opposite orders; each wait is bounded by the context's lock timeout.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from services.brokerage import repository as repo
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
from services.brokerage.published import request_info
from services.brokerage.usecases.access import Caller, resolve
from services.brokerage.usecases.context import Context
from services.brokerage.usecases.models import SupportRequestView
from services.brokerage.usecases.reading import present
from shared.contracts.brokerage import RequestInfo
from shared.errors import Conflict, Forbidden, NotFound


@dataclass
class Step:
    """The locked request, who acts, and what the machine decided."""

    ctx: Context
    session: AsyncSession
    request: dict[str, Any]
    alliance: Mapping[str, Any]
    sle: Mapping[str, Any] | None
    actor: Actor
    outcome: Outcome

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
        return request_info(self.request, self.alliance, self.ctx.staff_url(self.request["id"]))

    def sealed_school_url(self) -> str:
        """The school's link of the request's current generation, sealed for the event."""
        generation = self.request["school_link_generation"]
        return self.ctx.links.sealed_school_url(self.request["id"], generation)

    async def view(self) -> SupportRequestView:
        return await present(self.session, self.request)


async def begin(
    ctx: Context, session: AsyncSession, request_id: UUID, caller: Caller, action: Action
) -> Step:
    request = await ctx.lock_request(session, request_id)
    if request is None:
        raise NotFound("no such support request")
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
    return Step(ctx, session, request, alliance, sle, actor, outcome)
