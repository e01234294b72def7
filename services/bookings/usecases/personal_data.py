"""Personal-data requests (UK GDPR): an alliance's administrator, or the person for their own
email, asks to erase or to export what Alliance holds about an email address.

Bookings owns the request: in one transaction it records it, does its own part (``erasure``,
``subject_access``) and announces it; brokerage and notifications answer with their part, and
the requester sees the request complete once all three have. The request keeps no email, only a
hint ("a…@example.org") to tell requests apart.
"""

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from pydantic import BaseModel, EmailStr
from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from services.bookings import personal_data_store as store
from services.bookings.usecases.access import is_admin_of
from services.bookings.usecases.context import BookingsContext
from services.bookings.usecases.erasure import erase_here
from services.bookings.usecases.inputs import StrictInput
from services.bookings.usecases.subject_access import export_here
from shared.contracts.base import EventData
from shared.contracts.envelope import CloudEvent
from shared.contracts.privacy import SERVICES, PersonalDataRequested, RequestKind
from shared.errors import Conflict, Forbidden, NotFound
from shared.identity import Principal, Role

SERVICE = "bookings"


class PersonalDataRequestIn(StrictInput):
    kind: RequestKind
    email: EmailStr


class AnswerView(BaseModel):
    service: str
    answered_at: datetime
    rows: int
    truncated: bool


class PersonalDataRequestView(BaseModel):
    id: UUID
    kind: RequestKind
    email_hint: str
    alliance_id: str | None
    """The administrator's alliance (an export holds only its data); null: the person asked."""
    requested_at: datetime
    answered: list[AnswerView]
    waiting_for: list[str]
    completed_at: datetime | None
    downloaded_at: datetime | None


def hint(email: str) -> str:
    local, _, domain = email.partition("@")
    return f"{local[:1]}…@{domain}"


def scope_of(principals: Sequence[Principal], email: str) -> tuple[Principal, str | None]:
    """Who asks, and the alliance an export is limited to: None when the person asks about
    themselves (everything), else the administrator's alliance. Nobody else may ask."""
    for principal in principals:
        if principal.email is not None and principal.email.lower() == email:
            return principal, None
    for principal in principals:
        if principal.has(Role.ALLIANCE_ADMIN):
            return principal, principal.alliance_id
    raise Forbidden("only an alliance's administrators, or the person themselves, may ask")


async def ask(
    ctx: BookingsContext, principals: Sequence[Principal], body: PersonalDataRequestIn
) -> PersonalDataRequestView:
    email = body.email.strip().lower()
    principal, alliance_id = scope_of(principals, email)
    request_id, now = uuid4(), ctx.clock.now()
    async with ctx.runtime.transaction() as session:
        await store.add_request(
            session,
            {
                "id": request_id,
                "kind": body.kind,
                "email_hint": hint(email),
                "alliance_id": alliance_id,
                "requested_by": principal.subject,
                "requested_at": now,
            },
        )
        if body.kind == "erasure":
            rows, data, truncated = await erase_here(session, email), None, False
        else:
            data, truncated = await export_here(session, email, alliance_id)
            rows = sum(len(found) for found in data.values())
        await store.add_answer(session, request_id, SERVICE, now, rows, data, truncated)
        await ctx.runtime.outbox.add(
            session,
            PersonalDataRequested(
                request_id=request_id,
                kind=body.kind,
                email=email,
                alliance_id=alliance_id,
                at=now,
            ),
        )
        return await _view(session, request_id)


def check_sees(principals: Sequence[Principal], row: Row) -> None:
    """The requester, or an administrator of the request's alliance; else it does not exist."""
    for principal in principals:
        if row.requested_by == principal.subject:
            return
        if row.alliance_id is not None and is_admin_of(principal, row.alliance_id):
            return
    raise NotFound("no such personal-data request")


async def status(
    ctx: BookingsContext, principals: Sequence[Principal], request_id: UUID
) -> PersonalDataRequestView:
    async with ctx.runtime.sessions() as session:
        row = await store.get_request(session, request_id)
        if row is None:
            raise NotFound("no such personal-data request")
        check_sees(principals, row)
        return await _view(session, request_id)


async def listing(
    ctx: BookingsContext, principals: Sequence[Principal]
) -> list[PersonalDataRequestView]:
    """The requests of the alliances these hats administer, and those they made."""
    alliances = [p.alliance_id for p in principals if p.has(Role.ALLIANCE_ADMIN)]
    subjects = {p.subject for p in principals}
    async with ctx.runtime.sessions() as session:
        views = []
        for subject in subjects:
            for row in await store.list_requests(session, alliances, subject):
                if all(v.id != row.id for v in views):
                    views.append(await _view(session, row.id))
    return sorted(views, key=lambda v: v.requested_at, reverse=True)


async def _view(session: AsyncSession, request_id: UUID) -> PersonalDataRequestView:
    row = await store.get_request(session, request_id)
    if row is None:
        raise NotFound("no such personal-data request")
    answered = [AnswerView.model_validate(a._mapping) for a in await store.answers(session, row.id)]
    done = {a.service for a in answered}
    return PersonalDataRequestView(
        id=row.id,
        kind=row.kind,
        email_hint=row.email_hint,
        alliance_id=row.alliance_id,
        requested_at=row.requested_at,
        answered=answered,
        waiting_for=[s for s in SERVICES if s not in done],
        completed_at=row.completed_at,
        downloaded_at=row.downloaded_at,
    )


async def download(
    ctx: BookingsContext, principals: Sequence[Principal], request_id: UUID
) -> dict[str, Any]:
    """The collected export, once: what every service holds about the person, by service and
    table."""
    async with ctx.runtime.transaction() as session:
        row = await store.get_request(session, request_id, lock=True)
        if row is None or row.kind != "access":
            raise NotFound("no such subject access request")
        check_sees(principals, row)
        if row.completed_at is None:
            raise Conflict("not every service has answered yet")
        if row.downloaded_at is not None:
            raise Conflict("this export was downloaded already and is no longer kept")
        answers = await store.answers(session, request_id)
        if any(a.data is None for a in answers):
            raise Conflict("this export was not downloaded in time and is no longer kept")
        await store.mark_downloaded(session, request_id, ctx.clock.now())
    return {
        "request_id": str(request_id),
        "requested_at": row.requested_at.isoformat(),
        "alliance_id": row.alliance_id,
        "services": {a.service: {"tables": a.data, "truncated": a.truncated} for a in answers},
    }


class RecordAnswers:
    """The consumer's handler of brokerage's and notifications' answers."""

    def __init__(self, ctx: BookingsContext) -> None:
        self.ctx = ctx

    async def __call__(self, session: AsyncSession, _: CloudEvent, data: EventData) -> None:
        request_id: UUID = data.request_id  # type: ignore[attr-defined]
        row = await store.get_request(session, request_id, lock=True)
        if row is None:
            return  # not ours (another deployment's test, or pruned): nothing to record
        exported = getattr(data, "data", None)
        rows = getattr(data, "rows", None)
        if rows is None:
            rows = sum(len(found) for found in (exported or {}).values())
        await store.add_answer(
            session,
            request_id,
            data.service,  # type: ignore[attr-defined]
            data.at,  # type: ignore[attr-defined]
            rows,
            exported,
            bool(getattr(data, "truncated", False)),
        )
        answered = {a.service for a in await store.answers(session, request_id)}
        if row.completed_at is None and answered >= set(SERVICES):
            await store.complete(session, request_id, self.ctx.clock.now())
