"""Alliances and the SLE directory."""

from collections.abc import Mapping
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.brokerage import repository as repo
from services.brokerage.api.schemas import AllianceIn, AllianceOut, SleIn, SleOut, SlePatch
from services.brokerage.domain.vocab import Area, Phase
from shared.runtime import ServiceRuntime
from shared.web.problems import Conflict, NotFound


def alliance_out(row: Mapping[str, Any]) -> AllianceOut:
    return AllianceOut.model_validate({k: row[k] for k in ("id", "name", "region", "coordinators")})


async def put_alliance(runtime: ServiceRuntime, alliance_id: str, body: AllianceIn) -> AllianceOut:
    async with runtime.transaction() as session:
        await repo.upsert_alliance(
            session,
            alliance_id,
            name=body.name,
            region=body.region,
            coordinators=[c.model_dump(mode="json") for c in body.coordinators],
        )
        row = await repo.get_alliance(session, alliance_id)
    assert row is not None
    return alliance_out(row)


async def get_alliance(runtime: ServiceRuntime, alliance_id: str) -> AllianceOut:
    async with runtime.sessions() as session:
        row = await repo.get_alliance(session, alliance_id)
    if row is None:
        raise NotFound(f"no alliance {alliance_id!r} here yet")
    return alliance_out(row)


def sle_out(row: Mapping[str, Any], load: int) -> SleOut:
    available = repo.days(row["days_available"])
    committed = repo.days(row["days_committed"])
    return SleOut.model_validate(
        {
            **{k: row[k] for k in SleOut.model_fields if k in row},
            "days_available": available,
            "days_committed": committed,
            "days_left": available - committed,
            "current_load": load,
        }
    )


async def _require_alliance(session: AsyncSession, alliance_id: str) -> None:
    if await repo.get_alliance(session, alliance_id) is None:
        raise Conflict(
            f"alliance {alliance_id!r} is not set up: an alliance admin must PUT "
            f"/alliances/{alliance_id} first"
        )


def _duplicate(exc: IntegrityError) -> Conflict:
    if "uq_sles_alliance_email" in str(exc.orig):
        return Conflict("an SLE with this email is already in the directory")
    if "days_never_over_committed" in str(exc.orig):
        return Conflict("days available cannot go below the days already committed")
    raise exc


async def create_sle(runtime: ServiceRuntime, alliance_id: str, body: SleIn) -> SleOut:
    sle_id = uuid4()
    try:
        async with runtime.transaction() as session:
            await _require_alliance(session, alliance_id)
            await repo.insert_sle(
                session,
                id=sle_id,
                alliance_id=alliance_id,
                **body.model_dump(mode="json", exclude={"days_available"}),
                days_available=body.days_available,
            )
            row = await repo.get_sle(session, sle_id, alliance_id)
    except IntegrityError as exc:
        raise _duplicate(exc) from None
    assert row is not None
    return sle_out(row, 0)


async def patch_sle(
    runtime: ServiceRuntime, alliance_id: str, sle_id: UUID, body: SlePatch
) -> SleOut:
    changes = body.model_dump(mode="json", exclude_unset=True)
    try:
        async with runtime.transaction() as session:
            row = await repo.get_sle(session, sle_id, alliance_id, lock=True)
            if row is None:
                raise NotFound("no such SLE")
            committed = repo.days(row["days_committed"])
            if "days_available" in changes and changes["days_available"] < committed:
                raise Conflict(
                    f"days available cannot go below the {committed:g} day(s) already "
                    "committed to agreed deployments",
                    days_committed=committed,
                )
            if changes:
                await repo.update_sle(session, sle_id, **changes)
            row = await repo.get_sle(session, sle_id, alliance_id)
            load = (await repo.loads(session, alliance_id)).get(sle_id, 0)
    except IntegrityError as exc:
        raise _duplicate(exc) from None
    assert row is not None
    return sle_out(row, load)


async def get_sle(runtime: ServiceRuntime, alliance_id: str, sle_id: UUID) -> SleOut:
    async with runtime.sessions() as session:
        row = await repo.get_sle(session, sle_id, alliance_id)
        if row is None:
            raise NotFound("no such SLE")
        load = (await repo.loads(session, alliance_id)).get(sle_id, 0)
    return sle_out(row, load)


async def list_sles(
    runtime: ServiceRuntime,
    alliance_id: str,
    *,
    specialism: list[Area] | None = None,
    phase: Phase | None = None,
    region: str | None = None,
    min_days_left: float | None = None,
    status: str | None = None,
) -> list[SleOut]:
    async with runtime.sessions() as session:
        rows = await repo.list_sles(session, alliance_id)
        loads = await repo.loads(session, alliance_id)
    found = [sle_out(r, loads.get(r["id"], 0)) for r in rows]
    if specialism:
        found = [s for s in found if set(specialism) & set(s.specialisms)]
    if phase:
        found = [s for s in found if phase in s.phases]
    if region:
        found = [s for s in found if s.region.casefold() == region.casefold()]
    if min_days_left is not None:
        found = [s for s in found if s.days_left >= min_days_left]
    if status:
        found = [s for s in found if s.status == status]
    return found
