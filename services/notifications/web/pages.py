"""The staff notifications page: the log as an accessible HTML page with a filter form (by
person, event type, course, request and status), paging, and a link to send a failed one again
(``web/retry.py``).

A browser sends every field of the form, empty or not, so an empty filter means "any"; a field
that cannot be read is a GOV.UK error on the page, never a JSON problem.
"""

import re
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode
from uuid import UUID

from fastapi import APIRouter, Depends, Query
from fastapi.responses import HTMLResponse

from services.notifications.api.routes import Log
from services.notifications.domain import formatting as fmt
from services.notifications.domain.recipients import RULES
from services.notifications.usecases.staff_log import STATUSES, LogQuery, Status
from shared.identity import Principal, Role
from shared.web.documented import problems
from shared.web.pages import page_environment
from shared.web.signin import principal_for

router = APIRouter(prefix="/notifications", tags=["notifications"])

# A bearer token, or the signed-in person with a staff hat (for ``?alliance=`` if given).
StaffPage = Annotated[
    Principal, Depends(principal_for(Role.ALLIANCE_ADMIN, Role.COORDINATOR, page=True))
]

pages = page_environment(Path(__file__).parent / "templates")
pages.filters["when"] = fmt.when

REFERENCE = re.compile(r"SR-\d{4}-\d{6}")


def _label(event_type: str) -> str:
    """``uk.alliance.bookings.booking_confirmed.v1`` -> ``Bookings: booking confirmed``."""
    parts = event_type.split(".")
    return f"{parts[2].capitalize()}: {parts[3].replace('_', ' ')}"


# Every event type that is ever emailed, for the filter's list.
EVENT_TYPES = sorted(
    ((model.event_type, _label(model.event_type)) for model, sends in RULES.items() if sends),
    key=lambda pair: pair[1],
)


def render(name: str, status: int = 200, **context: Any) -> HTMLResponse:
    html = pages.get_template(name).render(**context)
    return HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store"})


def _uuid(text: str) -> UUID | None:
    try:
        return UUID(text)
    except ValueError:
        return None


class PageQuery:
    def __init__(
        self,
        recipient: Annotated[str, Query(max_length=320, description="Person's email")] = "",
        event_type: Annotated[str, Query(max_length=200)] = "",
        course: Annotated[str, Query(max_length=100, description="Course id")] = "",
        request: Annotated[
            str, Query(max_length=100, description="Support request id or reference")
        ] = "",
        status: Annotated[str, Query(max_length=20)] = "",
        event_id: Annotated[str, Query(max_length=100, description="The event's id")] = "",
        alliance: Annotated[str, Query(max_length=100)] = "",
        limit: Annotated[int, Query(ge=1, le=200)] = 50,
        offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    ) -> None:
        self.values = {
            "recipient": recipient.strip(),
            "event_type": event_type.strip(),
            "course": course.strip(),
            "request": request.strip(),
            "status": status.strip(),
            "event_id": event_id.strip(),
        }
        self.alliance = alliance.strip()
        self.limit, self.offset = limit, offset

    def read(self) -> tuple[LogQuery, dict[str, str]]:
        """The use case's query, and what cannot be read, field by field in the form's order."""
        v, errors = self.values, {}
        if v["recipient"] and "@" not in v["recipient"]:
            errors["recipient"] = "Enter a full email address, like name@school.org.uk"
        if v["event_type"] and v["event_type"] not in dict(EVENT_TYPES):
            errors["event_type"] = "Choose an event type from the list"
        course_id = _uuid(v["course"]) if v["course"] else None
        if v["course"] and course_id is None:
            errors["course"] = "Enter the course's id as shown on its page, like 3f2b…"
        request_id = _uuid(v["request"]) if v["request"] else None
        reference = v["request"].upper() if REFERENCE.fullmatch(v["request"].upper()) else None
        if v["request"] and request_id is None and reference is None:
            errors["request"] = "Enter the request's reference, like SR-2026-000123, or its id"
        status: Status | None = None
        if v["status"] in STATUSES:
            status = v["status"]  # type: ignore[assignment]
        elif v["status"]:
            errors["status"] = "Choose a status from the list"
        event_id = _uuid(v["event_id"]) if v["event_id"] else None
        if v["event_id"] and event_id is None:
            errors["event_id"] = "Enter the event's id as shown in the list"
        query = LogQuery(
            recipient=v["recipient"] or None,
            event_id=event_id,
            status=status,
            event_type=v["event_type"] or None,
            limit=self.limit,
            offset=self.offset,
            course_id=course_id,
            request_id=request_id,
            request_reference=reference,
        )
        return query, errors

    def link(self, offset: int | None) -> str | None:
        """The query string of the same list from ``offset``; None for no such page."""
        if offset is None:
            return None
        kept = {k: v for k, v in self.values.items() if v}
        if self.alliance:
            kept["alliance"] = self.alliance
        return urlencode({**kept, "limit": self.limit, "offset": offset})


@router.get(
    "/page",
    response_class=HTMLResponse,
    summary="The same list as an HTML page, with filters (signed in, or a bearer token)",
    responses={**problems(401, 403, 503), **problems(422, html=True)},
)
async def notifications_page(
    principal: StaffPage, log: Log, params: Annotated[PageQuery, Depends()]
) -> HTMLResponse:
    query, errors = params.read()
    found = None if errors else await log.list(principal, query)
    return render(
        "notifications.html",
        422 if errors else 200,
        found=found,
        values=params.values,
        errors=errors,
        alliance=params.alliance,
        alliance_id=principal.alliance_id,
        can_retry=principal.has(Role.ALLIANCE_ADMIN),
        previous=params.link(found.previous_offset) if found else None,
        following=params.link(found.next_offset) if found else None,
        status_options=[(s, s.capitalize()) for s in STATUSES],
        event_types=EVENT_TYPES,
    )
