"""Staff API: what was sent to whom, when, for which event, and how it went (tenant-scoped)."""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request

from services.notifications.api.schemas import (
    NotificationDetail,
    NotificationList,
    NotificationSummary,
    Status,
)
from services.notifications.usecases.staff_log import LogPage, LogQuery, StaffLog
from shared.identity import Principal, Role
from shared.web.auth import require_roles
from shared.web.documented import documents, problems

router = APIRouter(prefix="/notifications", tags=["notifications"])

Staff = Annotated[Principal, Depends(require_roles(Role.ALLIANCE_ADMIN, Role.COORDINATOR))]
Admin = Annotated[Principal, Depends(require_roles(Role.ALLIANCE_ADMIN))]


@documents(503)
def staff_log(request: Request) -> StaffLog:
    log: StaffLog = request.app.state.staff_log
    return log


Log = Annotated[StaffLog, Depends(staff_log)]


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
        course_id: Annotated[UUID | None, Query(description="The course it is about")] = None,
        request_id: Annotated[
            UUID | None, Query(description="The support request it is about")
        ] = None,
        request_reference: Annotated[
            str | None,
            Query(
                pattern=r"^[Ss][Rr]-\d{4}-\d{6}$",
                description="The support request's reference, e.g. SR-2026-000123",
            ),
        ] = None,
    ) -> None:
        self.query = LogQuery(
            recipient,
            event_id,
            status,
            event_type,
            limit,
            offset,
            course_id=course_id,
            request_id=request_id,
            request_reference=request_reference,
        )


def as_list(page: LogPage) -> NotificationList:
    return NotificationList(
        items=[NotificationSummary.model_validate(n, from_attributes=True) for n in page.items],
        total=page.total,
        limit=page.limit,
        offset=page.offset,
    )


@router.get("", summary="Notifications of your alliance, newest first")
async def list_notifications(
    principal: Staff, log: Log, params: Annotated[ListQuery, Depends()]
) -> NotificationList:
    return as_list(await log.list(principal, params.query))


@router.get(
    "/{notification_id}",
    summary="One notification, with the message as sent",
    responses=problems(404),
)
async def get_notification(principal: Staff, log: Log, notification_id: UUID) -> NotificationDetail:
    found = await log.get(principal, notification_id)
    return NotificationDetail.model_validate(found, from_attributes=True)


@router.post(
    "/{notification_id}/retry",
    status_code=202,
    summary="Try a failed notification again from the start",
    responses=problems(404, 409),
)
async def retry_notification(
    principal: Admin, log: Log, notification_id: UUID
) -> NotificationDetail:
    again = await log.retry(principal, notification_id)
    return NotificationDetail.model_validate(again, from_attributes=True)
