"""A course's bookings for its alliance's administrators: the places, the waiting list in its
order, the bookings that ended, and the same as CSV (cells that a spreadsheet would run as a
formula are prefixed so they read as text)."""

import csv
import io
from collections.abc import Iterable

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from services.bookings.api.deps import Ctx
from services.bookings.domain.model import BookingStatus
from services.bookings.usecases import queries
from services.bookings.usecases.read_models import BookingView, CourseView
from services.bookings.web.admin_common import CourseAdmin, admin_page
from services.bookings.web.formatting import london, money
from services.bookings.web.refusals import PageRoute
from shared.identity import Principal

router = APIRouter(include_in_schema=False, route_class=PageRoute)
BATCH = 500
PLACES = (BookingStatus.CONFIRMED, BookingStatus.OFFERED, BookingStatus.AWAITING_APPROVAL)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
STATUS_TEXT = {
    "awaiting_approval": "Waiting for approval",
    "confirmed": "Confirmed",
    "waitlisted": "Waiting list",
    "offered": "Offered a place",
    "declined": "Declined by the school",
    "offer_expired": "Offer expired",
    "offer_declined": "Offer turned down",
    "attended": "Attended",
    "partly_attended": "Partly attended",
    "no_show": "Did not attend",
    "cancelled": "Cancelled",
}
COLUMNS = (
    "Participant",
    "Email",
    "Role",
    "School URN",
    "School",
    "Status",
    "Waiting list position",
    "Price",
    "Fee",
    "Access needs",
    "Booked by",
    "Booked at",
)


async def every_booking(ctx: Ctx, principal: Principal, course: CourseView) -> list[BookingView]:
    found: list[BookingView] = []
    page = 1
    while True:
        batch = await queries.list_bookings(
            ctx,
            principal,
            course_id=course.id,
            school_urn=None,
            participant_email=None,
            status=None,
            page=page,
            per_page=BATCH,
        )
        found.extend(batch.items)
        if page * BATCH >= batch.total or not batch.items:
            return found
        page += 1


@router.get("/admin/courses/{course_id}/bookings", response_class=HTMLResponse)
async def bookings_page(request: Request, ctx: Ctx, admin: CourseAdmin) -> HTMLResponse:
    principal, course = admin
    found = await every_booking(ctx, principal, course)
    waiting = sorted(
        (b for b in found if b.status is BookingStatus.WAITLISTED),
        key=lambda b: b.waitlist_position or 0,
    )
    places = [b for b in found if b.status in PLACES]
    ended = [b for b in found if b.status not in (*PLACES, BookingStatus.WAITLISTED)]
    return admin_page(
        request,
        "admin/bookings.html",
        principal,
        course=course,
        places=places,
        waiting=waiting,
        ended=ended,
        status_text=STATUS_TEXT,
    )


def safe_cell(value: object) -> str:
    """A cell as text; one a spreadsheet would take for a formula starts with an apostrophe."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def csv_rows(found: Iterable[BookingView]) -> Iterable[list[str]]:
    yield list(COLUMNS)
    for b in found:
        row = [
            b.participant.name,
            b.participant.email,
            b.participant.role,
            b.school.urn,
            b.school.name,
            STATUS_TEXT.get(b.status.value, b.status.value),
            b.waitlist_position,
            money(b.price_pence),
            "" if b.fee_pence is None else money(b.fee_pence) if b.fee_pence else "£0.00",
            b.access_needs,
            f"{b.booker.name} <{b.booker.email}>",
            london(b.created_at),
        ]
        yield [safe_cell(cell) for cell in row]


@router.get("/admin/courses/{course_id}/bookings.csv")
async def bookings_csv(ctx: Ctx, admin: CourseAdmin) -> Response:
    principal, course = admin
    found = await every_booking(ctx, principal, course)
    out = io.StringIO()
    csv.writer(out).writerows(csv_rows(found))
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="bookings-{course.id}.csv"',
            "Cache-Control": "no-store",
        },
    )
