"""Alliances and the SLE directory."""

from collections.abc import Mapping
from dataclasses import asdict
from enum import StrEnum
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.brokerage import repository as repo
from services.brokerage.domain.calendar import academic_year
from services.brokerage.domain.vocab import Area, Phase, SleStatus
from services.brokerage.usecases.context import Context
from services.brokerage.usecases.models import (
    AllianceSetup,
    AllianceView,
    Coordinator,
    NewSle,
    SleChanges,
    SleView,
)
from shared.errors import Conflict, NotFound


def alliance_view(row: Mapping[str, Any]) -> AllianceView:
    return AllianceView(
        id=row["id"],
        name=row["name"],
        region=row["region"],
        coordinators=[Coordinator(c["name"], c["email"]) for c in row["coordinators"]],
    )


async def put_alliance(ctx: Context, alliance_id: str, setup: AllianceSetup) -> AllianceView:
    async with ctx.runtime.transaction() as session:
        await repo.upsert_alliance(
            session,
            alliance_id,
            name=setup.name,
            region=setup.region,
            coordinators=[{"name": c.name, "email": c.email} for c in setup.coordinators],
        )
        row = await repo.get_alliance(session, alliance_id)
    assert row is not None
    return alliance_view(row)


async def get_alliance(ctx: Context, alliance_id: str) -> AllianceView:
    async with ctx.runtime.sessions() as session:
        row = await repo.get_alliance(session, alliance_id)
    if row is None:
        raise NotFound(f"no alliance {alliance_id!r} here yet")
    return alliance_view(row)


async def find_alliance(ctx: Context, alliance_id: str) -> AllianceView | None:
    """The alliance a school names on the public form, if it takes requests here."""
    async with ctx.runtime.sessions() as session:
        row = await repo.get_alliance(session, alliance_id)
    return alliance_view(row) if row is not None else None


async def list_alliances(ctx: Context) -> list[AllianceView]:
    async with ctx.runtime.sessions() as session:
        return [alliance_view(r) for r in await repo.list_alliances(session)]


def sle_view(row: Mapping[str, Any], load: int) -> SleView:
    available = repo.days(row["days_available"])
    committed = repo.days(row["days_committed"])
    return SleView(
        id=row["id"],
        alliance_id=row["alliance_id"],
        name=row["name"],
        email=row["email"],
        phone=row["phone"],
        home_school_urn=row["home_school_urn"],
        home_school_name=row["home_school_name"],
        home_head_name=row["home_head_name"],
        home_head_email=row["home_head_email"],
        phases=[Phase(p) for p in row["phases"]],
        specialisms=[Area(a) for a in row["specialisms"]],
        region=row["region"],
        status=SleStatus(row["status"]),
        days_available=available,
        days_committed=committed,
        days_left=available - committed,
        current_load=load,
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


def _stored(values: dict[str, Any]) -> dict[str, Any]:
    """Enum members as their stored text."""
    return {
        k: [str(i) for i in v] if isinstance(v, list) else str(v) if isinstance(v, StrEnum) else v
        for k, v in values.items()
    }


async def create_sle(ctx: Context, alliance_id: str, new: NewSle) -> SleView:
    sle_id = uuid4()
    try:
        async with ctx.runtime.transaction() as session:
            await _require_alliance(session, alliance_id)
            await repo.insert_sle(
                session,
                id=sle_id,
                alliance_id=alliance_id,
                academic_year=academic_year(ctx.today()),
                **_stored(asdict(new)),
            )
            row = await repo.get_sle(session, sle_id, alliance_id)
    except IntegrityError as exc:
        raise _duplicate(exc) from None
    assert row is not None
    return sle_view(row, 0)


async def patch_sle(ctx: Context, alliance_id: str, sle_id: UUID, patch: SleChanges) -> SleView:
    changes = _stored(patch.values())
    try:
        async with ctx.runtime.transaction() as session:
            row = await ctx.lock_sle(session, sle_id, alliance_id)
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
    return sle_view(row, load)


async def get_sle(ctx: Context, alliance_id: str, sle_id: UUID) -> SleView:
    async with ctx.runtime.sessions() as session:
        row = await repo.get_sle(session, sle_id, alliance_id)
        if row is None:
            raise NotFound("no such SLE")
        load = (await repo.loads(session, alliance_id)).get(sle_id, 0)
    return sle_view(row, load)


async def list_sles(
    ctx: Context,
    alliance_id: str,
    *,
    specialism: list[Area] | None = None,
    phase: Phase | None = None,
    region: str | None = None,
    min_days_left: float | None = None,
    status: str | None = None,
) -> list[SleView]:
    async with ctx.runtime.sessions() as session:
        rows = await repo.list_sles(session, alliance_id)
        loads = await repo.loads(session, alliance_id)
    found = [sle_view(r, loads.get(r["id"], 0)) for r in rows]
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
