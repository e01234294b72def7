"""What every brokerage use case runs with, built once by the composition root (``app.py``)."""

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from services.brokerage import repository as repo
from services.brokerage.usecases.links import SchoolLinks
from shared.runtime import ServiceRuntime


@dataclass(frozen=True)
class Context:
    runtime: ServiceRuntime
    links: SchoolLinks
    lock_timeout_ms: int = 2000

    async def lock_request(self, session: AsyncSession, request_id: UUID) -> dict[str, Any] | None:
        """The request row, locked for this transaction; waits at most ``lock_timeout_ms``."""
        await repo.bound_lock_wait(session, self.lock_timeout_ms)
        row = await repo.get_request(session, request_id, lock=True)
        return dict(row) if row is not None else None

    async def lock_sle(
        self, session: AsyncSession, sle_id: UUID, alliance_id: str
    ) -> dict[str, Any] | None:
        """The SLE row (their days), locked for this transaction, the wait bounded likewise."""
        await repo.bound_lock_wait(session, self.lock_timeout_ms)
        row = await repo.get_sle(session, sle_id, alliance_id, lock=True)
        return dict(row) if row is not None else None
