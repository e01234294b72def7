"""Staff API: what was sent to whom, when, for which event, and how it went (tenant-scoped)."""

from pathlib import Path
from typing import Annotated
from urllib.parse import urlencode
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.notifications import repository
from services.notifications.api.schemas import (
    NotificationDetail,
    NotificationList,
    NotificationSummary,
    Status,
)
from services.notifications.domain import formatting as fmt
from shared.web.auth import Principal, Role, require_roles
from shared.web.problems import Conflict, NotFound

router = APIRouter(prefix="/notifications", tags=["notifications"])

Staff = Annotated[Principal, Depends(require_roles(Role.ALLIANCE_ADMIN, Role.COORDINATOR))]

_pages = Environment(
    loader=FileSystemLoader(Path(__file__).parents[1] / "templates" / "staff"),
    autoescape=select_autoescape(["html", "j2"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
_pages.filters["when"] = fmt.when


def _sessions(request: Request) -> async_sessionmaker[AsyncSession]:
    return request.app.state.runtime.sessions


class ListQuery:
    def __init__(
        self,
        recipient: Annotated[
            str | None, Query(max_length=320, description="Recipient email (exact)")
        ] = None,
        event_id: Annotated[UUID | None, Query(description="The event that caused it")] = None,
        status: Annotated[Status | None, Query()] = None,
        event_type: Annotated[str | None, Query(max_length=200)] = None,
        limit: Annotated[int, Query(ge=1, le=200)] = 50,
        offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    ) -> None:
        self.recipient = recipient
        self.event_id = event_id
        self.status = status
        self.event_type = event_type
        self.limit = limit
        self.offset = offset

    def filters(self, alliance_id: str) -> repository.Filters:
        return repository.Filters(
            alliance_id=alliance_id,
            recipient=self.recipient,
            event_id=self.event_id,
            status=self.status,
            event_type=self.event_type,
        )

    def query_string(self, offset: int) -> str:
        values = {
            "recipient": self.recipient,
            "event_id": self.event_id,
            "status": self.status,
            "event_type": self.event_type,
            "limit": self.limit,
            "offset": offset,
        }
        return urlencode({k: v for k, v in values.items() if v not in (None, "")})


async def _search(request: Request, principal: Principal, query: ListQuery) -> NotificationList:
    async with _sessions(request)() as session:
        rows, total = await repository.search(
            session, query.filters(principal.alliance_id), query.limit, query.offset
        )
    return NotificationList(
        items=[NotificationSummary.model_validate(row, from_attributes=True) for row in rows],
        total=total,
        limit=query.limit,
        offset=query.offset,
    )


@router.get("", summary="Notifications of your alliance, newest first")
async def list_notifications(
    request: Request, principal: Staff, query: Annotated[ListQuery, Depends()]
) -> NotificationList:
    return await _search(request, principal, query)


@router.get(
    "/page",
    response_class=HTMLResponse,
    summary="The same list as an HTML page (send the bearer token in the Authorization header)",
)
async def notifications_page(
    request: Request, principal: Staff, query: Annotated[ListQuery, Depends()]
) -> HTMLResponse:
    found = await _search(request, principal, query)
    previous = query.offset - query.limit if query.offset > 0 else None
    following = query.offset + query.limit if query.offset + query.limit < found.total else None
    html = _pages.get_template("notifications.html").render(
        found=found,
        query=query,
        alliance_id=principal.alliance_id,
        previous=None if previous is None else query.query_string(max(previous, 0)),
        following=None if following is None else query.query_string(following),
        statuses=("pending", "sent", "failed"),
    )
    return HTMLResponse(html)


@router.get("/{notification_id}", summary="One notification, with the message as sent")
async def get_notification(
    request: Request, principal: Staff, notification_id: UUID
) -> NotificationDetail:
    async with _sessions(request)() as session:
        row = await repository.get(session, notification_id, principal.alliance_id)
    if row is None:
        raise NotFound(f"no notification {notification_id} in your alliance")
    return NotificationDetail.model_validate(row, from_attributes=True)


@router.post(
    "/{notification_id}/retry",
    status_code=202,
    summary="Try a failed notification again from the start",
)
async def retry_notification(
    request: Request,
    principal: Annotated[Principal, Depends(require_roles(Role.ALLIANCE_ADMIN))],
    notification_id: UUID,
) -> NotificationDetail:
    async with _sessions(request)() as session, session.begin():
        row = await repository.get(session, notification_id, principal.alliance_id)
        if row is None:
            raise NotFound(f"no notification {notification_id} in your alliance")
        if not await repository.requeue(session, notification_id, principal.alliance_id):
            raise Conflict(f"notification {notification_id} is {row.status}, not failed")
        row = await repository.get(session, notification_id, principal.alliance_id)
    dispatcher = getattr(request.app.state, "dispatcher", None)
    if dispatcher is not None:
        await dispatcher.wake()
    return NotificationDetail.model_validate(row, from_attributes=True)
