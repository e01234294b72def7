"""Who may see and change what. Another tenant's private things answer 404, not 403."""

from typing import Any

from services.bookings.domain.course import Booking
from services.bookings.domain.model import CourseStatus
from shared.errors import Forbidden, NotFound
from shared.identity import Principal, Role


def is_admin_of(principal: Principal | None, alliance_id: str | None) -> bool:
    return (
        principal is not None
        and alliance_id is not None
        and principal.has(Role.ALLIANCE_ADMIN)
        and principal.alliance_id == alliance_id
    )


def check_visible_course(principal: Principal | None, alliance_id: str, status: str) -> None:
    if status == CourseStatus.DRAFT.value and not is_admin_of(principal, alliance_id):
        raise NotFound("no such course")


def check_administers(principal: Principal, alliance_id: str, status: str) -> None:
    """A course the principal administers; drafts of other alliances are not even visible."""
    check_visible_course(principal, alliance_id, status)
    if not is_admin_of(principal, alliance_id):
        raise Forbidden("only the course's alliance administrators can change it")


def is_school_lead_of(principal: Principal, urn: str) -> bool:
    return principal.has(Role.SCHOOL_LEAD) and principal.school_urn == urn


def is_participant_of(principal: Principal, participant_email: str) -> bool:
    return (
        principal.has(Role.PARTICIPANT)
        and principal.email is not None
        and principal.email.lower() == participant_email.lower()
    )


def can_see_booking(principal: Principal, alliance_id: str, booking: Booking | Any) -> bool:
    """``booking`` is a Booking or a stored row with school_urn and participant_email."""
    email = booking.participant.email if isinstance(booking, Booking) else booking.participant_email
    return (
        is_admin_of(principal, alliance_id)
        or is_school_lead_of(principal, booking.school_urn)
        or is_participant_of(principal, email)
    )


def check_sees_booking(principal: Principal, alliance_id: str, booking: Booking | Any) -> None:
    if not can_see_booking(principal, alliance_id, booking):
        raise NotFound("no such booking")
