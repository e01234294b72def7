"""A service's copy of alliance staff, kept from the staff events (shared/contracts/staff.py)
in order per alliance: the same table and the same handling in every service that keeps one."""

from sqlalchemy import Column, DateTime, Index, MetaData, Row, String, Table, delete, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from shared.contracts.base import EventData
from shared.contracts.envelope import CloudEvent
from shared.contracts.staff import StaffMemberAppointed, StaffMemberRemoved


def staff_copy_table(metadata: MetaData) -> Table:
    staff = Table(
        "staff",
        metadata,
        Column("alliance_id", String(100), primary_key=True),
        Column("email", String(320), primary_key=True),
        Column("role", String(20), nullable=False),
        Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    )
    Index("ix_staff_email", staff.c.email)
    return staff


class StaffCopy:
    def __init__(self, table: Table) -> None:
        self.table = table

    async def keep(self, session: AsyncSession, _: CloudEvent, data: EventData) -> None:
        """The consumer's handler of staff events."""
        if isinstance(data, StaffMemberAppointed):
            await self.put(session, data.alliance_id, data.email.lower(), data.role)
        elif isinstance(data, StaffMemberRemoved):
            await self.remove(session, data.alliance_id, data.email.lower())

    async def put(self, session: AsyncSession, alliance_id: str, email: str, role: str) -> None:
        t = self.table
        stmt = insert(t).values(alliance_id=alliance_id, email=email, role=role)
        await session.execute(
            stmt.on_conflict_do_update(
                index_elements=[t.c.alliance_id, t.c.email],
                set_={"role": stmt.excluded.role, "updated_at": func.now()},
            )
        )

    async def remove(self, session: AsyncSession, alliance_id: str, email: str) -> None:
        t = self.table
        await session.execute(delete(t).where(t.c.alliance_id == alliance_id, t.c.email == email))

    async def posts(self, session: AsyncSession, email: str) -> list[Row]:
        """Where ``email`` (lower case) is staff: its alliance and role, one row each."""
        t = self.table
        query = select(t.c.alliance_id, t.c.role).where(t.c.email == email)
        return list((await session.execute(query)).all())
