"""Setting the scene for use-case tests: alliances, SLEs and requests made through the use
cases themselves, and the outbox rows they left."""

import secrets
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any
from uuid import UUID

from sqlalchemy import select

from services.brokerage.domain.lifecycle import Action
from services.brokerage.domain.vocab import Area, FundingSource, Phase
from services.brokerage.usecases import deployments, directory, requests, transitions
from services.brokerage.usecases.access import Caller
from services.brokerage.usecases.context import Context
from services.brokerage.usecases.models import (
    Agreement,
    AllianceSetup,
    Coordinator,
    NewSle,
    NewSupportRequest,
    SleView,
    Submitted,
    SupportRequestView,
    Triage,
    Visit,
)
from shared.identity import Principal, Role

PREFIX = "uk.alliance.brokerage."
AGREEMENT = Agreement(
    days=3,
    day_rate_pence=35_000,
    brokerage_fee_percent=10,
    starts_on=date(2026, 1, 12),
    ends_on=date(2026, 3, 27),
)
REQUEST = NewSupportRequest(
    alliance_id="",
    school_name="Hillview Primary School",
    school_urn="115678",
    contact_name="Sam Contact",
    contact_role="Headteacher",
    contact_email="sam@hillview.example.org",
    contact_phone="01452 123456",
    areas=[Area.MATHEMATICS],
    phase=Phase.PRIMARY,
    needs="Support to lead maths across Key Stage 2.",
    outcomes="A consistent approach to fluency in every class.",
    timing="Spring term 2026",
    days=3,
    funding_source=FundingSource.OWN_BUDGET,
    consent_to_share=True,
)


@dataclass
class Scene:
    ctx: Context
    alliance_id: str = field(default_factory=lambda: f"tsa-{secrets.token_hex(4)}")
    _urn: list[int] = field(default_factory=lambda: [200000])

    @property
    def coordinator(self) -> Caller:
        return Caller(Principal("cora", frozenset({Role.COORDINATOR}), self.alliance_id))

    @property
    def school(self) -> Caller:
        return Caller(None, school=True, tried_school_link=True)

    def sle_caller(self, sle: SleView) -> Caller:
        principal = Principal("sle", frozenset({Role.SLE}), self.alliance_id, email=sle.email)
        return Caller(principal)

    def head_caller(self, sle: SleView) -> Caller:
        roles = frozenset({Role.SCHOOL_LEAD})
        return Caller(Principal("head", roles, self.alliance_id, sle.home_school_urn))

    async def alliance(self) -> None:
        setup = AllianceSetup(
            name=f"Alliance {self.alliance_id}",
            region="Gloucestershire",
            coordinators=[Coordinator("Cora Ordinator", "cora@tsa.example.org")],
        )
        await directory.put_alliance(self.ctx, self.alliance_id, setup)

    async def sle(self, name: str = "Nia Link", days: float = 10) -> SleView:
        self._urn[0] += 1
        return await directory.create_sle(
            self.ctx,
            self.alliance_id,
            NewSle(
                name=name,
                email=f"{name.lower().replace(' ', '.')}@school.example.org",
                phone=None,
                home_school_urn=str(self._urn[0]),
                home_school_name="Beech Primary School",
                home_head_name="Hilary Head",
                home_head_email="head@beech.example.org",
                phases=[Phase.PRIMARY],
                specialisms=[Area.MATHEMATICS],
                days_available=days,
                region="Gloucestershire",
            ),
        )

    async def submit(self, **changes: Any) -> Submitted:
        new = replace(REQUEST, alliance_id=self.alliance_id, **changes)
        return await requests.submit(self.ctx, new)

    async def to_accepted(self, request_id: UUID, sle: SleView) -> SupportRequestView:
        await transitions.triage(self.ctx, request_id, self.coordinator, Triage())
        await transitions.start_matching(self.ctx, request_id, self.coordinator)
        await transitions.propose(self.ctx, request_id, self.coordinator, sle.id)
        await transitions.confirm(self.ctx, request_id, self.sle_caller(sle), Action.SLE_ACCEPT)
        await transitions.confirm(self.ctx, request_id, self.school, Action.SCHOOL_CONFIRM)
        return await transitions.confirm(
            self.ctx, request_id, self.head_caller(sle), Action.HOME_RELEASE
        )

    async def to_active(self, request_id: UUID, sle: SleView) -> SupportRequestView:
        await self.to_accepted(request_id, sle)
        await deployments.agree(self.ctx, request_id, self.coordinator, AGREEMENT)
        visit = Visit(visit_date=date(2026, 2, 2), days=1)
        return await deployments.log_visit(self.ctx, request_id, self.sle_caller(sle), visit)

    async def events(self, request_id: UUID) -> list[tuple[str, dict[str, Any]]]:
        """The event types and payloads in the outbox for ``request_id``, in order."""
        outbox = self.ctx.runtime.outbox_table
        query = (
            select(outbox.c.event_type, outbox.c.payload)
            .where(outbox.c.key == str(request_id))
            .order_by(outbox.c.id)
        )
        async with self.ctx.runtime.sessions() as session:
            rows = (await session.execute(query)).all()
        return [(t.removeprefix(PREFIX).removesuffix(".v1"), p) for t, p in rows]
