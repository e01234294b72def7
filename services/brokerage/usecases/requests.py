"""Support requests: the school's submission, what staff see, and the ranked shortlist."""

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy.ext.asyncio import AsyncSession

from services.brokerage import repository as repo
from services.brokerage.api.schemas import (
    DeploymentOut,
    ProposalOut,
    ShortlistEntry,
    ShortlistOut,
    SubmittedOut,
    SupportRequestIn,
    SupportRequestOut,
    VisitOut,
)
from services.brokerage.domain.lifecycle import Status, allowed_actions
from services.brokerage.domain.matching import Candidate, Need, Ranked, shortlist
from services.brokerage.domain.vocab import Area, Phase, SleStatus
from services.brokerage.events import request_info
from services.brokerage.keys import Keys
from shared.contracts.brokerage import RequestSubmitted
from shared.runtime import ServiceRuntime
from shared.web.problems import NotFound, Unprocessable


class UnknownAlliance(Unprocessable):
    pass


def reference_for(number: int, year: int) -> str:
    return f"SR-{year}-{number:06d}"


def staff_url(runtime: ServiceRuntime, request_id: UUID) -> str:
    return f"{runtime.settings.service_url('brokerage')}/support-requests/{request_id}"


def school_url(runtime: ServiceRuntime, keys: Keys, request_id: UUID) -> str:
    base = runtime.settings.service_url("brokerage")
    return f"{base}/support-requests/{request_id}/school?token={keys.school_token(request_id)}"


async def submit(runtime: ServiceRuntime, keys: Keys, body: SupportRequestIn) -> SubmittedOut:
    request_id = uuid4()
    async with runtime.transaction() as session:
        alliance = await repo.get_alliance(session, body.alliance_id)
        if alliance is None:
            raise UnknownAlliance(
                f"no alliance {body.alliance_id!r} takes requests here",
                errors=[{"field": "alliance_id", "message": "unknown alliance"}],
            )
        number = await repo.next_reference_number(session)
        values = {
            "id": request_id,
            "alliance_id": body.alliance_id,
            "reference": reference_for(number, datetime.now(UTC).year),
            "status": Status.SUBMITTED.value,
            "school_urn": body.school_urn,
            "school_name": body.school_name,
            "contact_name": body.contact_name,
            "contact_role": body.contact_role,
            "contact_email": str(body.contact_email),
            "contact_phone": body.contact_phone,
            "areas": [a.value for a in body.areas],
            "phase": body.phase.value,
            "needs": body.needs,
            "outcomes": body.outcomes,
            "timing": body.timing,
            "days_requested": body.days,
            "funding_source": body.funding_source.value,
            "consent_to_share": body.consent_to_share,
            "region": alliance["region"],
        }
        await repo.insert_request(session, **values)
        manage = school_url(runtime, keys, request_id)
        await runtime.outbox.add(
            session,
            RequestSubmitted(
                request=request_info(values, alliance, staff_url(runtime, request_id)),
                school_manage_url=manage,
            ),
        )
    return SubmittedOut(
        id=request_id,
        reference=values["reference"],
        status=values["status"],
        school_manage_url=manage,
    )


async def present(session: AsyncSession, row: Mapping[str, Any]) -> SupportRequestOut:
    proposal = None
    if row["proposed_sle_id"] is not None:
        sle = await repo.get_sle(session, row["proposed_sle_id"], row["alliance_id"])
        assert sle is not None
        proposal = ProposalOut(
            sle_id=sle["id"],
            sle_name=sle["name"],
            rank=row["proposal_rank"],
            reasons=row["proposal_reasons"] or [],
        )
    deployment = await repo.get_deployment(session, row["id"])
    deployment_out = visits_out = None
    if deployment is not None:
        deployment_out = DeploymentOut.model_validate(
            {
                **dict(deployment),
                "days": repo.days(deployment["days"]),
                "days_delivered": repo.days(deployment["days_delivered"]),
                "days_released": repo.days(deployment["days_released"]),
            }
        )
        visits_out = [
            VisitOut(visit_date=v["visit_date"], days=repo.days(v["days"]), summary=v["summary"])
            for v in await repo.list_visits(session, deployment["id"])
        ]
    return SupportRequestOut.model_validate(
        {
            **dict(row),
            "days_requested": repo.days(row["days_requested"]),
            "proposal": proposal,
            "deployment": deployment_out,
            "visits": visits_out or [],
            "allowed_actions": [a.value for a in allowed_actions(Status(row["status"]))],
        }
    )


async def load(session: AsyncSession, request_id: UUID, alliance_id: str) -> Mapping[str, Any]:
    row = await repo.get_request(session, request_id)
    if row is None or row["alliance_id"] != alliance_id:
        raise NotFound("no such support request")
    return row


async def get(runtime: ServiceRuntime, request_id: UUID, alliance_id: str) -> SupportRequestOut:
    async with runtime.sessions() as session:
        return await present(session, await load(session, request_id, alliance_id))


async def list_for(
    runtime: ServiceRuntime, alliance_id: str, status: Status | None, limit: int, offset: int
) -> list[SupportRequestOut]:
    async with runtime.sessions() as session:
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


async def shortlist_for(
    runtime: ServiceRuntime, request_id: UUID, alliance_id: str
) -> ShortlistOut:
    async with runtime.sessions() as session:
        request = await load(session, request_id, alliance_id)
        ranked = await rank(session, request)
        homes = {r["id"]: r["home_school_name"] for r in await repo.list_sles(session, alliance_id)}
    return ShortlistOut(
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
