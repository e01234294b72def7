"""Who may see and change what. Another tenant's private things answer 404, not 403."""

from sqlalchemy import Row

from services.bookings.domain.model import CourseStatus
from shared.web.auth import Principal, Role
from shared.web.problems import Forbidden, NotFound


def is_admin_of(principal: Principal | None, alliance_id: str) -> bool:
    return (
        principal is not None
        and principal.has(Role.ALLIANCE_ADMIN)
        and principal.alliance_id == alliance_id
    )


def visible_course(principal: Principal | None, course: Row | None) -> Row:
    if course is None or (
        course.status == CourseStatus.DRAFT.value and not is_admin_of(principal, course.alliance_id)
    ):
        raise NotFound("no such course")
    return course


def administered_course(principal: Principal, course: Row | None) -> Row:
    """A course the principal administers; drafts of other alliances are not even visible."""
    course = visible_course(principal, course)
    if not is_admin_of(principal, course.alliance_id):
        raise Forbidden("only the course's alliance administrators can change it")
    return course


def is_school_lead_of(principal: Principal, urn: str) -> bool:
    return principal.has(Role.SCHOOL_LEAD) and principal.school_urn == urn


def is_participant_of(principal: Principal, booking: Row) -> bool:
    return (
        principal.has(Role.PARTICIPANT)
        and principal.email is not None
        and principal.email.lower() == booking.participant_email.lower()
    )


def can_see_booking(principal: Principal, booking: Row) -> bool:
    return (
        is_admin_of(principal, booking.alliance_id)
        or is_school_lead_of(principal, booking.school_urn)
        or is_participant_of(principal, booking)
    )


def visible_booking(principal: Principal, booking: Row | None) -> Row:
    if booking is None or not can_see_booking(principal, booking):
        raise NotFound("no such booking")
    return booking
