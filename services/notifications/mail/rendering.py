"""Messages from templates: one Jinja2 file per message, rendered as HTML and as plain text.

Each template in ``templates`` extends ``layout`` and writes its paragraphs through the
macros in ``m``; the HTML environment (autoescaping) and the text environment give the same
template different layouts and macros, so the two parts always say the same thing.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from services.notifications.domain import formatting as fmt
from services.notifications.domain.messages import header_text
from services.notifications.domain.recipients import Kind, Recipient
from shared.contracts import bookings as b
from shared.contracts import brokerage as r
from shared.contracts.base import EventData

TEMPLATES = Path(__file__).parent / "templates"
# Brokerage's public page where a school asks for a new private link.
FRESH_LINK_PATH = "/support-requests/fresh-link"

Facts = list[tuple[str, str | list[str] | None]]

WHY = {
    Kind.PARTICIPANT: "you are the participant on this booking",
    Kind.PREVIOUS_PARTICIPANT: "you were the participant on this booking",
    Kind.BOOKER: "you made this booking",
    Kind.CPD_LEAD: "you are the CPD lead for this school",
    Kind.SCHOOL_CONTACT: "you are the contact for this support request",
    Kind.COORDINATOR: "you coordinate support requests for your alliance",
    Kind.SLE: "you are the specialist leader of education (SLE) named on this request",
    Kind.HOME_HEAD: "you are the headteacher of this SLE's home school",
    Kind.ALLIANCE_ADMIN: "you administer this alliance's courses",
    Kind.FINANCE_CONTACT: "you are the finance contact the alliance holds for this school",
}


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


@dataclass(frozen=True)
class Links:
    """Where links point when an event carries no URL of its own: the services' pages (never
    their JSON API), by the paths the services agreed; ``private`` opens the school's private
    link brokerage sealed into the event (None: it cannot be opened)."""

    bookings: str
    brokerage: str
    private: Callable[[str], str | None] = lambda _: None

    def school_link(self, data: EventData) -> str | None:
        """The school's private link from the event: sealed (today's events) or in the clear
        (events from before sealing); brokerage's page to ask for a new one if it was sealed
        under another key."""
        sealed = getattr(data, "school_link_sealed", None)
        if sealed:
            return self.private(sealed) or f"{self.brokerage}{FRESH_LINK_PATH}"
        plain = getattr(data, "school_manage_url", None)
        return str(plain) if plain else None

    def for_event(self, data: EventData) -> str:
        booking: b.BookingInfo | None = getattr(data, "booking", None)
        course: b.CourseInfo | None = getattr(data, "course", None)
        request: r.RequestInfo | None = getattr(data, "request", None)
        invoice = getattr(data, "invoice", None)
        if invoice is not None:
            return str(invoice.url)
        if booking is not None:
            return booking.url or f"{self.bookings}/places/{booking.booking_id}"
        if course is not None:
            return course.url or f"{self.bookings}/catalogue/{course.course_id}"
        if request is not None:
            return request.url or f"{self.brokerage}/requests/{request.request_id}"
        return self.bookings

    def for_school(self, data: EventData) -> str:
        """The school's private page; where the event carries no link of its own, brokerage's
        page where the school asks for one (the request's page is for staff and SLEs only)."""
        return self.school_link(data) or f"{self.brokerage}{FRESH_LINK_PATH}"

    def for_administrator(self, data: EventData) -> str:
        """The course's own page for its administrators (the catalogue shows only what is
        open to book, and a cancelled course is no longer there)."""
        course: b.CourseInfo | None = getattr(data, "course", None)
        if course is None:
            return self.for_event(data)
        return f"{self.bookings}/admin/courses/{course.course_id}"


def sessions(course: b.CourseInfo) -> list[str]:
    lines = []
    for session in sorted(course.sessions, key=lambda s: s.starts_at):
        where = f"at {session.venue}" if session.venue else ""
        if session.online_url:
            where = f"{where} or online" if where else "online"
        span = fmt.session_span(session.starts_at, session.ends_at)
        lines.append(f"{span}, {where}" if where else span)
    return lines


def course_facts(course: b.CourseInfo) -> Facts:
    lines = sessions(course)
    return [("Course", course.title), ("Session" if len(lines) == 1 else "Sessions", lines)]


def school(ref: Any) -> str:
    return f"{ref.name} (URN {ref.urn})"


def booking_facts(booking: b.BookingInfo) -> Facts:
    return [
        ("Participant", booking.participant.name),
        ("School", school(booking.school)),
        ("Price", fmt.money(booking.price_pence)),
    ]


def request_facts(request: r.RequestInfo) -> Facts:
    return [
        ("Reference", request.reference),
        ("School", school(request.school)),
        ("Areas of need", ", ".join(fmt.humanise(a) for a in request.areas_of_need)),
        ("Phase", fmt.humanise(request.phase)),
        ("Support asked for", fmt.days(request.days_requested)),
    ]


def sle_facts(sle: r.SleInfo | None) -> Facts:
    if sle is None:
        return []
    return [("SLE", sle.person.name), ("SLE's home school", school(sle.home_school))]


def deployment_facts(deployment: r.DeploymentInfo) -> Facts:
    return [
        ("Days agreed", fmt.days(deployment.days)),
        ("Day rate", fmt.money(deployment.day_rate_pence)),
        ("Brokerage fee", fmt.fee(deployment.brokerage_fee_pence)),
        ("Dates", f"{fmt.day(deployment.starts_on)} to {fmt.day(deployment.ends_on)}"),
    ]


_SPACES = re.compile(r"\s+")
_TRAILING_SPACES = re.compile(r"[ \t]+\n")
_BLANK_LINES = re.compile(r"\n{3,}")


def _squash(text: str) -> str:
    return _SPACES.sub(" ", str(text)).strip()


def _environment(fmt_name: str, autoescape: bool) -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=autoescape,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        auto_reload=False,  # templates change with a release, not while running: no stat per render
    )
    env.filters.update(
        when=fmt.when,
        day=fmt.day,
        money=fmt.money,
        fee=fmt.fee,
        days=fmt.days,
        humanise=fmt.humanise,
        squash=_squash,
        wrap=fmt.wrap,
    )
    env.globals.update(
        layout=f"_layout.{fmt_name}.j2",
        sessions=sessions,
        course_facts=course_facts,
        booking_facts=booking_facts,
        request_facts=request_facts,
        sle_facts=sle_facts,
        deployment_facts=deployment_facts,
        school=school,
    )
    env.globals["m"] = env.get_template(f"_macros.{fmt_name}.j2").module
    return env


class Renderer:
    def __init__(self, links: Links) -> None:
        self.links = links
        self.html = _environment("html", autoescape=True)
        self.text = _environment("txt", autoescape=False)

    def context(self, data: EventData, recipient: Recipient) -> dict[str, Any]:
        return {
            "data": data,
            "course": getattr(data, "course", None),
            "booking": getattr(data, "booking", None),
            "request": getattr(data, "request", None),
            "sle": getattr(data, "sle", None),
            "recipient": recipient,
            "kind": recipient.kind.value,
            "why": WHY[recipient.kind],
            "link": self.link(data, recipient),
        }

    def link(self, data: EventData, recipient: Recipient) -> str:
        """The school's private page goes to the school contact only; the administrator's to
        the course's own page; everyone else's to the event's page."""
        if recipient.kind is Kind.SCHOOL_CONTACT:
            return self.links.for_school(data)
        if recipient.kind is Kind.ALLIANCE_ADMIN:
            return self.links.for_administrator(data)
        return self.links.for_event(data)

    def render(self, data: EventData, recipient: Recipient) -> Rendered:
        name = f"{recipient.template}.j2"
        context = self.context(data, recipient)
        text_template = self.text.get_template(name)
        subject = header_text(
            "".join(text_template.blocks["subject"](text_template.new_context(context)))
        )
        text = text_template.render(context)
        text = _TRAILING_SPACES.sub("\n", text)
        text = _BLANK_LINES.sub("\n\n", text).strip() + "\n"
        html = self.html.get_template(name).render(context)
        return Rendered(subject=subject, text=text, html=html)

    def template_names(self) -> list[str]:
        return sorted(p.stem for p in TEMPLATES.glob("*.j2") if not p.name.startswith("_"))
