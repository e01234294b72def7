"""SQL for the brokerage aggregates: alliances, SLEs, support requests, deployments, visits."""

from collections.abc import Sequence
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession

from services.brokerage.tables import (
    alliances,
    deployments,
    request_number,
    sles,
    support_requests,
    visits,
)

UNDER_WAY = ("agreed", "active")


def days(value: Decimal | float | None) -> float:
    return float(value or 0)


async def bound_lock_wait(session: AsyncSession, milliseconds: int) -> None:
    """Row locks taken later in this transaction wait at most ``milliseconds``, then fail with
    lock_not_available (SQLSTATE 55P03) instead of queueing behind a stuck transaction."""
    await session.execute(select(func.set_config("lock_timeout", f"{int(milliseconds)}ms", True)))


async def get_alliance(session: AsyncSession, alliance_id: str) -> RowMapping | None:
    result = await session.execute(select(alliances).where(alliances.c.id == alliance_id))
    return result.mappings().first()


async def list_alliances(session: AsyncSession) -> Sequence[RowMapping]:
    result = await session.execute(select(alliances).order_by(alliances.c.name))
    return result.mappings().all()


async def upsert_alliance(session: AsyncSession, alliance_id: str, **values: Any) -> None:
    statement = pg_insert(alliances).values(id=alliance_id, **values)
    statement = statement.on_conflict_do_update(
        index_elements=[alliances.c.id], set_={**values, "updated_at": func.now()}
    )
    await session.execute(statement)


async def get_sle(
    session: AsyncSession, sle_id: UUID, alliance_id: str, *, lock: bool = False
) -> RowMapping | None:
    query = select(sles).where(sles.c.id == sle_id, sles.c.alliance_id == alliance_id)
    if lock:
        query = query.with_for_update()
    return (await session.execute(query)).mappings().first()


async def sle_by_email(session: AsyncSession, alliance_id: str, email: str) -> RowMapping | None:
    query = select(sles).where(
        sles.c.alliance_id == alliance_id, func.lower(sles.c.email) == email.lower()
    )
    return (await session.execute(query)).mappings().first()


async def insert_sle(session: AsyncSession, **values: Any) -> None:
    await session.execute(insert(sles).values(**values))


async def update_sle(session: AsyncSession, sle_id: UUID, **values: Any) -> None:
    await session.execute(
        update(sles).where(sles.c.id == sle_id).values(**values, updated_at=func.now())
    )


async def list_sles(session: AsyncSession, alliance_id: str) -> Sequence[RowMapping]:
    query = select(sles).where(sles.c.alliance_id == alliance_id).order_by(sles.c.name)
    return (await session.execute(query)).mappings().all()


async def loads(session: AsyncSession, alliance_id: str) -> dict[UUID, int]:
    """Deployments under way, per SLE of the alliance."""
    query = (
        select(deployments.c.sle_id, func.count())
        .join(sles, sles.c.id == deployments.c.sle_id)
        .where(sles.c.alliance_id == alliance_id, deployments.c.status.in_(UNDER_WAY))
        .group_by(deployments.c.sle_id)
    )
    return {row[0]: int(row[1]) for row in (await session.execute(query)).all()}


async def next_reference_number(session: AsyncSession) -> int:
    return int((await session.execute(select(request_number.next_value()))).scalar_one())


async def insert_request(session: AsyncSession, **values: Any) -> None:
    await session.execute(insert(support_requests).values(**values))


async def get_request(
    session: AsyncSession, request_id: UUID, *, lock: bool = False
) -> RowMapping | None:
    query = select(support_requests).where(support_requests.c.id == request_id)
    if lock:
        query = query.with_for_update()
    return (await session.execute(query)).mappings().first()


async def find_request_by_reference(
    session: AsyncSession, reference: str, *, lock: bool = False
) -> RowMapping | None:
    query = select(support_requests).where(support_requests.c.reference == reference)
    if lock:
        query = query.with_for_update()
    return (await session.execute(query)).mappings().first()


async def school_link_generation(session: AsyncSession, request_id: UUID) -> int | None:
    query = select(support_requests.c.school_link_generation).where(
        support_requests.c.id == request_id
    )
    return (await session.execute(query)).scalar_one_or_none()


async def update_request(session: AsyncSession, request_id: UUID, **values: Any) -> None:
    await session.execute(
        update(support_requests)
        .where(support_requests.c.id == request_id)
        .values(**values, updated_at=func.now())
    )


async def list_requests(
    session: AsyncSession, alliance_id: str, status: str | None, limit: int, offset: int
) -> Sequence[RowMapping]:
    query = select(support_requests).where(support_requests.c.alliance_id == alliance_id)
    if status:
        query = query.where(support_requests.c.status == status)
    query = query.order_by(support_requests.c.created_at.desc(), support_requests.c.reference)
    return (await session.execute(query.limit(limit).offset(offset))).mappings().all()


async def get_deployment(session: AsyncSession, request_id: UUID) -> RowMapping | None:
    query = select(deployments).where(deployments.c.request_id == request_id)
    return (await session.execute(query)).mappings().first()


async def insert_deployment(session: AsyncSession, **values: Any) -> None:
    await session.execute(insert(deployments).values(**values))


async def update_deployment(session: AsyncSession, deployment_id: UUID, **values: Any) -> None:
    await session.execute(
        update(deployments)
        .where(deployments.c.id == deployment_id)
        .values(**values, updated_at=func.now())
    )


async def insert_visit(session: AsyncSession, **values: Any) -> None:
    await session.execute(insert(visits).values(**values))


async def list_visits(session: AsyncSession, deployment_id: UUID) -> Sequence[RowMapping]:
    query = (
        select(visits)
        .where(visits.c.deployment_id == deployment_id)
        .order_by(visits.c.visit_date, visits.c.created_at)
    )
    return (await session.execute(query)).mappings().all()
