"""The staff notifications page: the log as an accessible HTML page with a filter form.

A browser sends every field of the form, empty or not, so an empty filter means "any".
"""

from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode
from uuid import UUID

from fastapi import APIRouter, Depends, Query
from fastapi.responses import HTMLResponse
from pydantic import BeforeValidator

from services.notifications.api.routes import Log
from services.notifications.api.schemas import Status
from services.notifications.domain import formatting as fmt
from services.notifications.usecases.staff_log import STATUSES, LogQuery
from shared.identity import Principal, Role
from shared.web.pages import page_environment
from shared.web.signin import principal_for

router = APIRouter(prefix="/notifications", tags=["notifications"])

# A bearer token, or the signed-in person if notifications' copy of the staff names them.
StaffPage = Annotated[
    Principal, Depends(principal_for(Role.ALLIANCE_ADMIN, Role.COORDINATOR, page=True))
]

_pages = page_environment(Path(__file__).parent / "templates")
_pages.filters["when"] = fmt.when


def _blank_is_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


AnyIfBlank = BeforeValidator(_blank_is_none)
BLANK = {"type": "string", "maxLength": 0}


def blank_or(*kinds: dict[str, Any]) -> dict[str, Any]:
    """The document says it too: an empty field is accepted (and means any)."""
    return {"anyOf": [*kinds, BLANK, {"type": "null"}]}


class PageQuery:
    def __init__(
        self,
        recipient: Annotated[
            str | None, Query(max_length=320, description="Recipient email (exact)"), AnyIfBlank
        ] = None,
        event_id: Annotated[
            UUID | None,
            Query(
                description="The event that caused it",
                json_schema_extra=blank_or({"type": "string", "format": "uuid"}),
            ),
            AnyIfBlank,
        ] = None,
        status: Annotated[
            Status | None,
            Query(json_schema_extra=blank_or({"type": "string", "enum": list(STATUSES)})),
            AnyIfBlank,
        ] = None,
        event_type: Annotated[str | None, Query(max_length=200), AnyIfBlank] = None,
        limit: Annotated[int, Query(ge=1, le=200)] = 50,
        offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    ) -> None:
        self.query = LogQuery(recipient, event_id, status, event_type, limit, offset)

    def link(self, offset: int | None) -> str | None:
        """The query string of the same list from ``offset``; None for no such page."""
        if offset is None:
            return None
        q = self.query
        values = {
            "recipient": q.recipient,
            "event_id": q.event_id,
            "status": q.status,
            "event_type": q.event_type,
            "limit": q.limit,
            "offset": offset,
        }
        return urlencode({k: v for k, v in values.items() if v is not None})


@router.get(
    "/page",
    response_class=HTMLResponse,
    summary="The same list as an HTML page (send the bearer token in the Authorization header)",
)
async def notifications_page(
    principal: StaffPage, log: Log, params: Annotated[PageQuery, Depends()]
) -> HTMLResponse:
    found = await log.list(principal, params.query)
    html = _pages.get_template("notifications.html").render(
        found=found,
        query=params.query,
        alliance_id=principal.alliance_id,
        previous=params.link(found.previous_offset),
        following=params.link(found.next_offset),
        statuses=STATUSES,
    )
    return HTMLResponse(html)
