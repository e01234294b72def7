"""What every brokerage use case runs with, built once by the composition root (``app.py``)."""

from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from services.brokerage import repository as repo
from services.brokerage.domain.calendar import academic_year, london_date
from services.brokerage.usecases.links import SchoolLinks
from services.brokerage.usecases.rollover import bring_up_to_date
from shared.runtime import ServiceRuntime


@dataclass(frozen=True)
class Context:
    runtime: ServiceRuntime
    links: SchoolLinks
    lock_timeout_ms: int = 2000
    # A deployment's visits are due logged this many working days after its last day.
    visit_log_working_days: int = 5
    # The service's public address: staff's links in emails open its pages.
    public_url: str = ""

    def staff_url(self, request_id: UUID) -> str:
        """The request's page for the people with a part in it (sign-in first)."""
        return f"{self.public_url.rstrip('/')}/requests/{request_id}"

    def today(self) -> date:
        """Today in England, by the runtime's clock."""
        return london_date(self.runtime.clock.now())

    async def lock_request(self, session: AsyncSession, request_id: UUID) -> dict[str, Any] | None:
        """The request row, locked for this transaction; waits at most ``lock_timeout_ms``."""
        await repo.bound_lock_wait(session, self.lock_timeout_ms)
        row = await repo.get_request(session, request_id, lock=True)
        return dict(row) if row is not None else None

    async def lock_sle(
        self, session: AsyncSession, sle_id: UUID, alliance_id: str
    ) -> dict[str, Any] | None:
        """The SLE row (their days, rolled over to this academic year), locked for this
        transaction, the wait bounded likewise."""
        await repo.bound_lock_wait(session, self.lock_timeout_ms)
        row = await repo.get_sle(session, sle_id, alliance_id, lock=True)
        if row is None:
            return None
        sle = dict(row)
        await bring_up_to_date(session, sle, academic_year(self.today()))
        return sle
