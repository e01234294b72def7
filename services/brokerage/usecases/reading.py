"""What staff and the school see of a request, and the ranked shortlist of SLEs for it."""

from collections.abc import Mapping
from dataclasses import fields
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from services.brokerage import repository as repo
from services.brokerage.domain.lifecycle import Status, allowed_actions
from services.brokerage.domain.matching import Candidate, Need, Ranked, shortlist
from services.brokerage.domain.vocab import Area, FundingSource, Phase, SleStatus
from services.brokerage.usecases.context import Context
from services.brokerage.usecases.models import (
    DeploymentView,
    ProposalView,
    ShortlistEntry,
    ShortlistView,
    SupportRequestView,
    VisitView,
)
from shared.errors import NotFound

_AS_STORED = {f.name for f in fields(SupportRequestView)} - {
    "areas",
    "phase",
    "funding_source",
    "days_requested",
    "confirmations",
    "declined_sle_ids",
    "proposal",
    "deployment",
    "visits",
    "allowed_actions",
}


async def present(session: AsyncSession, row: Mapping[str, Any]) -> SupportRequestView:
    proposal = None
    if row["proposed_sle_id"] is not None:
        sle = await repo.get_sle(session, row["proposed_sle_id"], row["alliance_id"])
        assert sle is not None
        proposal = ProposalView(
            sle_id=sle["id"],
            sle_name=sle["name"],
            rank=row["proposal_rank"],
            reasons=list(row["proposal_reasons"] or []),
        )
    deployment = await repo.get_deployment(session, row["id"])
    deployment_view = None
    visits: list[VisitView] = []
    if deployment is not None:
        deployment_view = DeploymentView(
            id=deployment["id"],
            sle_id=deployment["sle_id"],
            days=repo.days(deployment["days"]),
            day_rate_pence=deployment["day_rate_pence"],
            brokerage_fee_pence=deployment["brokerage_fee_pence"],
            starts_on=deployment["starts_on"],
            ends_on=deployment["ends_on"],
            days_delivered=repo.days(deployment["days_delivered"]),
            days_released=repo.days(deployment["days_released"]),
            status=deployment["status"],
        )
        visits = [
            VisitView(visit_date=v["visit_date"], days=repo.days(v["days"]), summary=v["summary"])
            for v in await repo.list_visits(session, deployment["id"])
        ]
    return SupportRequestView(
        **{name: row[name] for name in _AS_STORED},
        areas=[Area(a) for a in row["areas"]],
        phase=Phase(row["phase"]),
        funding_source=FundingSource(row["funding_source"]),
        days_requested=repo.days(row["days_requested"]),
        confirmations=list(row["confirmations"]),
        declined_sle_ids=list(row["declined_sle_ids"]),
        proposal=proposal,
        deployment=deployment_view,
        visits=visits,
        allowed_actions=[a.value for a in allowed_actions(Status(row["status"]))],
    )


async def _load(session: AsyncSession, request_id: UUID, alliance_id: str) -> Mapping[str, Any]:
    row = await repo.get_request(session, request_id)
    if row is None or row["alliance_id"] != alliance_id:
        raise NotFound("no such support request")
    return row


async def get(ctx: Context, request_id: UUID, alliance_id: str) -> SupportRequestView:
    async with ctx.runtime.sessions() as session:
        return await present(session, await _load(session, request_id, alliance_id))


async def for_school(ctx: Context, request_id: UUID, token: str | None) -> SupportRequestView:
    """The school's view through its link; an invalid, expired or revoked link finds nothing."""
    async with ctx.runtime.sessions() as session:
        row = await repo.get_request(session, request_id)
        if row is None or not ctx.links.is_valid(request_id, token, row["school_link_generation"]):
            raise NotFound("this link is not valid")
        return await present(session, row)


async def list_for(
    ctx: Context, alliance_id: str, status: Status | None, limit: int, offset: int
) -> list[SupportRequestView]:
    async with ctx.runtime.sessions() as session:
        rows = await repo.list_requests(
            session, alliance_id, status.value if status else None, limit, offset
        )
        return [await present(session, r) for r in rows]


def need_of(request: Mapping[str, Any]) -> Need:
    return Need(
        areas=frozenset(Area(a) for a in request["areas"]),
        phase=Phase(request["phase"]),
        region=request["region"],
        days=repo.days(request["days_requested"]),
    )


async def rank(session: AsyncSession, request: Mapping[str, Any]) -> list[Ranked]:
    """The ranked shortlist for ``request``, leaving out SLEs who declined it."""
    rows = await repo.list_sles(session, request["alliance_id"])
    loads = await repo.loads(session, request["alliance_id"])
    declined = set(request["declined_sle_ids"])
    candidates = [
        Candidate(
            sle_id=r["id"],
            name=r["name"],
            specialisms=frozenset(Area(a) for a in r["specialisms"]),
            phases=frozenset(Phase(p) for p in r["phases"]),
            region=r["region"],
            days_available=repo.days(r["days_available"]),
            days_committed=repo.days(r["days_committed"]),
            active_deployments=loads.get(r["id"], 0),
            status=SleStatus(r["status"]),
        )
        for r in rows
        if r["id"] not in declined
    ]
    return shortlist(need_of(request), candidates)


async def shortlist_for(ctx: Context, request_id: UUID, alliance_id: str) -> ShortlistView:
    async with ctx.runtime.sessions() as session:
        request = await _load(session, request_id, alliance_id)
        ranked = await rank(session, request)
        homes = {r["id"]: r["home_school_name"] for r in await repo.list_sles(session, alliance_id)}
    return ShortlistView(
        request_id=request_id,
        days_requested=repo.days(request["days_requested"]),
        region=request["region"],
        excluded_declined=list(request["declined_sle_ids"]),
        entries=[
            ShortlistEntry(
                rank=r.rank,
                sle_id=r.candidate.sle_id,
                name=r.candidate.name,
                home_school_name=homes[r.candidate.sle_id],
                region=r.candidate.region,
                days_left=r.candidate.days_left,
                current_load=r.candidate.active_deployments,
                score=r.score,
                reasons=r.reasons,
            )
            for r in ranked
        ],
    )
