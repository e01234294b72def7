"""Who hears about each event, and through which template: a pure table, no I/O.

Each event type maps to an ordered list of (recipient kind, template). The people of each kind
are read from the event itself; the same address appears once per event (the first rule naming it
wins, so a CPD lead who also booked gets the CPD lead's wording).
"""

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from shared.contracts import bookings as b
from shared.contracts import brokerage as r
from shared.contracts import finance as fin
from shared.contracts import privacy as pd
from shared.contracts import staff as s
from shared.contracts.base import EventData
from shared.contracts.common import Contact


class Kind(StrEnum):
    PARTICIPANT = "participant"
    PREVIOUS_PARTICIPANT = "previous_participant"
    BOOKER = "booker"
    CPD_LEAD = "cpd_lead"
    SCHOOL_CONTACT = "school_contact"
    COORDINATOR = "coordinator"
    SLE = "sle"
    HOME_HEAD = "home_head"
    ALLIANCE_ADMIN = "alliance_admin"
    FINANCE_CONTACT = "finance_contact"


TemplateChoice = str | Callable[[EventData], str]


@dataclass(frozen=True)
class Send:
    kind: Kind
    template: TemplateChoice

    def template_for(self, data: EventData) -> str:
        return self.template if isinstance(self.template, str) else self.template(data)


@dataclass(frozen=True)
class Recipient:
    kind: Kind
    name: str
    email: str
    template: str


def _cancellation_template(data: EventData) -> str:
    assert isinstance(data, b.BookingCancelled)
    return "course_cancelled" if data.course_cancelled else "booking_cancelled"


def _to(template: TemplateChoice, *kinds: Kind) -> tuple[Send, ...]:
    return tuple(Send(kind, template) for kind in kinds)


P, PP, BK, LEAD = Kind.PARTICIPANT, Kind.PREVIOUS_PARTICIPANT, Kind.BOOKER, Kind.CPD_LEAD
SCHOOL, COORD, SLE, HEAD = Kind.SCHOOL_CONTACT, Kind.COORDINATOR, Kind.SLE, Kind.HOME_HEAD
ADMIN = Kind.ALLIANCE_ADMIN

RULES: dict[type[EventData], tuple[Send, ...]] = {
    # A course cancellation reaches participants and CPD leads through the
    # BookingCancelled(cancelled_by="alliance") each live booking gets; the administrator who
    # cancelled it hears what followed.
    b.CoursePublished: (),
    b.CourseChanged: (),
    b.CourseCancelled: _to("course_cancelled_summary", ADMIN),
    # Deprecated, no longer published (the outcome event says the booking was made); old
    # events on the topic email no one.
    b.BookingRequested: (),
    b.BookingAwaitingApproval: (
        Send(LEAD, "approval_needed"),
        *_to("awaiting_approval", P, BK),
    ),
    # The CPD lead hears of approvals and the waiting list even when the participant booked.
    b.BookingApproved: _to("booking_approved", P, BK, LEAD),
    b.BookingDeclined: _to("booking_declined", P, BK),
    b.BookingConfirmed: _to("booking_confirmed", P, LEAD, BK),
    b.BookingWaitlisted: _to("booking_waitlisted", P, BK, LEAD),
    b.PlaceOffered: _to("place_offered", P, BK),
    b.OfferAccepted: _to("offer_accepted", P, LEAD, BK),
    b.OfferExpired: _to("offer_expired", P, BK),
    b.OfferDeclined: _to("offer_declined", P, BK, LEAD),
    b.BookingCancelled: _to(_cancellation_template, P, LEAD, BK),
    b.BookingSubstituted: _to("booking_substituted", PP, P, LEAD, BK),
    # Running a course.
    b.BookingCourseChanged: _to("course_changed", P, LEAD, BK),
    b.CourseReminder: _to("course_reminder", P),
    b.OfferExpiring: _to("offer_expiring", P, BK),
    b.ViabilityChecked: _to("viability_check", ADMIN),
    b.RegisterTaken: (),
    b.AttendanceConcluded: _to("attendance_concluded", P, LEAD),
    b.CourseCompleted: (),
    b.EvaluationDue: _to("evaluation_due", P),
    b.EvaluationSubmitted: (),
    r.RequestSubmitted: _to("request_submitted", SCHOOL, COORD),
    r.SchoolLinkIssued: _to("school_link_issued", SCHOOL),
    r.RequestTriaged: (),
    r.SleProposed: _to("sle_proposed", SCHOOL, SLE, HEAD),
    r.SleDeclined: (Send(COORD, "sle_declined"), Send(SCHOOL, "sle_declined_school")),
    r.PartyConfirmed: _to("party_confirmed", COORD),
    r.SleAccepted: _to("sle_accepted", SCHOOL, COORD),
    r.DeploymentAgreed: _to("deployment_agreed", SCHOOL, SLE, HEAD, COORD),
    r.VisitLogged: _to("visit_logged", COORD),
    r.VisitLogOverdue: _to("visit_log_overdue", COORD),
    r.RequestCompleted: _to("request_completed", SCHOOL, SLE, HEAD, COORD),
    r.RequestEvaluated: _to("request_evaluated", COORD),
    r.RequestUnmatched: _to("request_unmatched", SCHOOL),
    r.RequestWithdrawn: _to("request_withdrawn", SCHOOL, SLE, HEAD, COORD),
    r.RequestCancelled: _to("request_cancelled", SCHOOL, SLE, HEAD, COORD),
    # Money: the settlement is finance's fact; the invoice goes to the school's finance contact.
    r.DeploymentSettled: (),
    fin.InvoiceIssued: _to("invoice_issued", Kind.FINANCE_CONTACT),
    # Staff changes are kept as notifications' copy of the staff (usecases/people.py), not mailed.
    s.StaffMemberAppointed: (),
    s.StaffMemberRemoved: (),
    # Personal-data requests and answers are handled (usecases/personal_data.py), not mailed.
    **{model: () for model in (pd.PersonalDataRequested, *pd.ANSWERS)},
}


def contacts(kind: Kind, data: EventData) -> list[Contact]:
    """The people of ``kind`` this event names (none if it names none)."""
    booking: b.BookingInfo | None = getattr(data, "booking", None)
    request: r.RequestInfo | None = getattr(data, "request", None)
    sle: r.SleInfo | None = getattr(data, "sle", None)
    found: list[Contact | None]
    match kind:
        case Kind.PARTICIPANT:
            found = [booking.participant if booking else None]
        case Kind.PREVIOUS_PARTICIPANT:
            found = [getattr(data, "previous_participant", None)]
        case Kind.BOOKER:
            found = [booking.booker if booking else None]
        case Kind.CPD_LEAD:
            found = [booking.cpd_lead if booking else None]
        case Kind.SCHOOL_CONTACT:
            found = [request.contact if request else None]
        case Kind.COORDINATOR:
            found = list(request.coordinators) if request else []
        case Kind.SLE:
            found = [sle.person if sle else None]
        case Kind.HOME_HEAD:
            found = [sle.home_head if sle else None]
        case Kind.ALLIANCE_ADMIN:
            found = [getattr(data, "administrator", None)]
        case Kind.FINANCE_CONTACT:
            found = [getattr(data, "finance_contact", None)]
    return [contact for contact in found if contact is not None]


def handled(data_type: type[EventData]) -> bool:
    return data_type in RULES


def emails_anyone(event_type: str) -> bool:
    """Whether an event of this type can give any notification (the senders need not look
    after the others)."""
    return event_type in EMAILED


EMAILED = frozenset(model.event_type for model, sends in RULES.items() if sends)


def recipients(data: EventData) -> list[Recipient]:
    """Everyone this event should reach, once each, with their template, in rule order."""
    seen: set[str] = set()
    chosen: list[Recipient] = []
    for send in RULES.get(type(data), ()):
        for contact in contacts(send.kind, data):
            address = normalise(contact.email)
            if address in seen:
                continue
            seen.add(address)
            chosen.append(Recipient(send.kind, contact.name, address, send.template_for(data)))
    return chosen


def normalise(email: str) -> str:
    return email.strip().lower()
