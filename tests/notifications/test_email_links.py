"""Every link in every email opens a page: the static audit.

For each template, each event that is sent with it (the routing table, ``RULES``) is built with
realistic facts, its links built by the publishing services' own link builders (taken from the
built apps), and rendered by notifications' own renderer for every kind of person it goes to.
Each link must resolve, by the target app's routing, to a GET route that answers HTML (a page)
or a PDF; a JSON API route, a route that only takes POST, or no route at all is a gap and fails
the template's test with the link and the reason. Nothing is connected: the apps are only built.
"""

import html
import re
import types
import typing
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from importlib import import_module
from itertools import count
from typing import Any, Literal, TypeVar
from urllib.parse import urlsplit
from uuid import UUID, uuid4

import pytest
from fastapi import FastAPI, routing
from fastapi.datastructures import DefaultPlaceholder
from fastapi.responses import HTMLResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel
from starlette.routing import BaseRoute, Match

from devstack.settings import SERVICE_SETTINGS, SERVICES
from services.brokerage.usecases.links import FRESH_LINK_PATH
from services.notifications.domain.recipients import RULES, Kind, recipients
from services.notifications.mail.rendering import Links, Renderer
from shared.contracts.base import EventData
from shared.contracts.common import Contact, SchoolRef
from tests.notifications import factories as f

PAGE_TYPES = ("text/html", "application/pdf")
M = TypeVar("M", bound=BaseModel)
E = TypeVar("E", bound=EventData)
ORIGINS = {name: f"http://{name}.alliance.test" for name in SERVICES}
TEMPLATES = Renderer(Links(bookings="http://b.test", brokerage="http://r.test")).template_names()


def build_apps() -> dict[str, FastAPI]:
    """Every service's app, as deployed on its own public address (nothing connected)."""
    common: dict[str, object] = {
        **{f"{s.upper()}_DATABASE_URL": "postgresql+asyncpg://x@127.0.0.1:1/x" for s in SERVICES},
        **{f"{s.upper()}_PUBLIC_URL": origin for s, origin in ORIGINS.items()},
        "KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:1",
        "SMTP_HOST": "127.0.0.1",
        "JWT_SECRET": "email-links-audit-only-not-a-secret",
    }
    return {
        name: import_module(f"services.{name}.app").build_app(SERVICE_SETTINGS[name](**common))
        for name in SERVICES
    }


# How the publishing services fill each link an event carries: (model, field) -> builder of the
# link from the built apps and the object holding the field (the event for event-level links).
Builder = Callable[[dict[str, FastAPI], Any], str]


def _bookings(apps: dict[str, FastAPI]) -> Any:
    return apps["bookings"].state.bookings


def _brokerage(apps: dict[str, FastAPI]) -> Any:
    return apps["brokerage"].state.context


def _staff_url(apps: dict[str, FastAPI], request: Any) -> str:
    ctx = _brokerage(apps)
    staff_url = getattr(ctx, "staff_url", None) or ctx.links.staff_url
    return str(staff_url(request.request_id))


def _school_url(apps: dict[str, FastAPI], event: Any) -> str:
    return str(_brokerage(apps).links.school_url(event.request.request_id))


def _sealed_school_url(apps: dict[str, FastAPI], event: Any) -> str:
    return str(_brokerage(apps).links.sealed_school_url(event.request.request_id))


LINKS: dict[tuple[str, str], Builder] = {
    ("CourseInfo", "url"): lambda apps, c: _bookings(apps).course_url(c.course_id),
    ("BookingInfo", "url"): lambda apps, b: _bookings(apps).booking_url(b.booking_id),
    ("AttendanceConcluded", "certificate_url"): lambda apps, e: _bookings(apps).certificate_url(
        e.booking.booking_id
    ),
    ("EvaluationDue", "evaluation_url"): lambda apps, e: _bookings(apps).evaluation_url(
        e.booking.booking_id
    ),
    ("RequestInfo", "url"): _staff_url,
    ("*", "school_manage_url"): _school_url,
    ("*", "school_link_sealed"): _sealed_school_url,
    ("InvoiceInfo", "url"): lambda apps, i: apps["finance"].state.finance.invoice_url(i.invoice_id),
}
# Links to places outside Alliance that an event may carry (the online session's meeting).
EXTERNAL = {("SessionInfo", "online_url")}


def is_link_field(name: str) -> bool:
    return name.endswith("url") or name.endswith("_sealed") or "link" in name


def link_builder(model: type[BaseModel], name: str) -> Builder:
    found = LINKS.get((model.__name__, name)) or LINKS.get(("*", name))
    if found is None:
        raise AssertionError(
            f"{model.__name__}.{name} is a link this audit cannot build: add how the "
            "publishing service builds it to LINKS in tests/notifications/test_email_links.py"
        )
    return found


class Facts:
    """Realistic values for any contract: the factories' where they exist, else made from
    each field's type, every optional part filled; each person with an address of their own."""

    def __init__(self, apps: dict[str, FastAPI]) -> None:
        self.apps = apps
        self.run = f.tag()
        self.people = count(1)

    def of(self, annotation: Any, name: str) -> Any:
        origin = typing.get_origin(annotation)
        args = typing.get_args(annotation)
        if origin in (typing.Union, types.UnionType):
            chosen = [a for a in args if a is not type(None)]
            return self.of(chosen[0], name)
        if origin is Literal:
            return args[0]
        if origin is list:
            return [self.of(args[0], name)]
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            return self.model(annotation)
        simple: dict[Any, Callable[[], Any]] = {
            str: lambda: f"Some {name.replace('_', ' ')}",
            int: lambda: 3,
            float: lambda: 2.5,
            bool: lambda: False,
            UUID: uuid4,
            datetime: lambda: datetime(2027, 3, 11, 9, 30, tzinfo=UTC),
            date: lambda: date(2027, 3, 11),
        }
        if annotation in simple:
            return simple[annotation]()
        raise AssertionError(f"no realistic value for {name}: {annotation!r}")

    def model(self, model: type[BaseModel]) -> BaseModel:
        made = self.factory(model)
        if made is not None:
            return made.model_copy(update=self.links(model, made))
        values = {
            name: self.of(field.annotation, name)
            for name, field in model.model_fields.items()
            if not is_link_field(name) or (model.__name__, name) in EXTERNAL
        }
        return self.validated(model, values)

    def validated(self, model: type[M], values: dict[str, Any]) -> M:
        """``model`` of ``values`` and the links the publishing service would add to them."""
        links = self.links(model, types.SimpleNamespace(**values))
        return model.model_validate({**values, **links})

    def links(self, model: type[BaseModel], holder: Any) -> dict[str, str | None]:
        fields = model.model_fields
        built: dict[str, str | None] = {
            name: link_builder(model, name)(self.apps, holder)
            for name in fields
            if is_link_field(name) and (model.__name__, name) not in EXTERNAL
        }
        if "school_link_sealed" in fields and "school_manage_url" in fields:
            built["school_manage_url"] = None  # deprecated: sent sealed instead
        return built

    def factory(self, model: type[BaseModel]) -> BaseModel | None:
        if model is Contact:
            n = next(self.people)
            return f.person(f"Person {n}", self.run, "Teacher")
        if model is SchoolRef:
            return SchoolRef(urn="115678", name="Gloucester Road Primary School")
        factories: dict[str, Callable[[], BaseModel]] = {
            "CourseInfo": f.course,
            "BookingInfo": lambda: f.booking(self.run),
            "RequestInfo": lambda: f.request_info(self.run),
            "SleInfo": lambda: f.sle_info(self.run),
            "DeploymentInfo": f.deployment,
        }
        make = factories.get(model.__name__)
        return make() if make else None


def event_variants(facts: Facts, event_type: type[E]) -> Iterator[E]:
    """The event with every part filled, then once for each other value of each of its choices
    (a flag, a literal), since the template or its wording may depend on them."""
    fields = event_type.model_fields
    base = {
        name: facts.of(field.annotation, name)
        for name, field in fields.items()
        if not is_link_field(name)
    }
    yield facts.validated(event_type, base)
    yield unlinked(facts.validated(event_type, base))
    for name, field in fields.items():
        annotation = field.annotation
        if annotation is bool:
            yield facts.validated(event_type, {**base, name: not base[name]})
        elif typing.get_origin(annotation) is Literal:
            for value in typing.get_args(annotation)[1:]:
                yield facts.validated(event_type, {**base, name: value})


def unlinked(model: M) -> M:
    """``model`` as an event from before it carried links: every optional link left out, so
    notifications' own fallback (``Links``) chooses where its emails point."""
    update: dict[str, Any] = {}
    for name, field in type(model).model_fields.items():
        value = getattr(model, name)
        if isinstance(value, BaseModel):
            update[name] = unlinked(value)
        elif is_link_field(name) and not field.is_required():
            update[name] = None
    return model.model_copy(update=update)


@dataclass(frozen=True)
class Email:
    event: str
    kind: str
    links: list[str]


def links_in(rendered_html: str, text: str) -> list[str]:
    hrefs = [html.unescape(h) for h in re.findall(r'href="([^"]+)"', rendered_html)]
    plain = re.findall(r"https?://[^\s<>\"')]+", text)
    return sorted(set(hrefs) | {p.rstrip(".,;") for p in plain})


def emails(apps: dict[str, FastAPI], template: str) -> list[Email]:
    """Every email made with ``template``: each event sent with it, to each kind of person."""
    renderer: Renderer = apps["notifications"].state.renderer
    facts = Facts(apps)
    found = []
    for event_type, sends in RULES.items():
        if not sends:
            continue
        for event in event_variants(facts, event_type):
            for recipient in recipients(event):
                if recipient.template != template:
                    continue
                rendered = renderer.render(event, recipient)
                links = links_in(rendered.html, rendered.text)
                found.append(Email(event_type.__name__, recipient.kind.value, links))
    return found


def route_for(app: FastAPI, path: str) -> tuple[BaseRoute | None, list[str]]:
    """The route a GET of ``path`` reaches, in the app's routing order, or None and the methods
    the path takes otherwise (FastAPI 0.130+ keeps included routers whole: their routes are
    read through ``iter_route_contexts``)."""
    scope = {"type": "http", "path": path, "method": "GET", "root_path": ""}
    methods: list[str] = []
    for context in routing.iter_route_contexts(app.router.routes):
        match, _ = context.matches(scope)
        if match is Match.FULL:
            return context.original_route, []
        if match is Match.PARTIAL:
            methods += sorted(context.methods or [])
    return None, methods


def answers(route: BaseRoute) -> str:
    """What a route answers: "text/html", "application/pdf" or what else it declares."""
    if isinstance(route, APIRoute):
        response_class = route.response_class
        if isinstance(response_class, DefaultPlaceholder):
            response_class = response_class.value
        if isinstance(response_class, type) and issubclass(response_class, HTMLResponse):
            return "text/html"
        declared = route.responses.get(200, {}).get("content", {})
        for kind in PAGE_TYPES:
            if kind in declared:
                return kind
        return f"JSON (the API's {' '.join(sorted(route.methods))} {route.path})"
    module = getattr(getattr(route, "endpoint", None), "__module__", "")
    return "text/html" if ".web." in module else f"{type(route).__name__} in {module or '?'}"


def problem(apps: dict[str, FastAPI], link: str) -> str | None:
    """Why ``link`` does not open a page, or None when it does."""
    parts = urlsplit(link)
    origin = f"{parts.scheme}://{parts.netloc}"
    service = next((name for name, o in ORIGINS.items() if o == origin), None)
    if service is None:
        return "points outside Alliance's services"
    route, methods = route_for(apps[service], parts.path)
    if route is None:
        if methods:
            return f"{service} takes only {', '.join(methods)} at {parts.path}, no page"
        return f"{service} has no route for {parts.path}"
    kind = answers(route)
    return None if kind in PAGE_TYPES else f"{service} answers {kind}"


@pytest.fixture(scope="module")
def apps() -> dict[str, FastAPI]:
    return build_apps()


@pytest.mark.parametrize("template", TEMPLATES)
def test_every_link_of_the_email_opens_a_page(apps: dict[str, FastAPI], template: str) -> None:
    made = emails(apps, template)
    if not made:
        pytest.fail(f"{template}: no event in notifications' RULES is sent with it", False)
    gaps = [
        f"{email.event} to {email.kind}: {link} -> {why}"
        for email in made
        for link in email.links
        if (why := problem(apps, link)) is not None
    ]
    named = {
        send.kind.value for sends in RULES.values() for send in sends if send.template == template
    }
    missed = named - {email.kind for email in made}
    assert not missed, f"{template}: no email rendered for {sorted(missed)}"
    if gaps:
        pytest.fail(f"{template}: links that open no page:\n" + "\n".join(sorted(set(gaps))), False)
    assert all(email.links for email in made), f"{template}: an email with no link at all"


def test_every_email_to_the_school_contact_opens_its_own_page(apps: dict[str, FastAPI]) -> None:
    """Each event mailed to the school contact carries its private link, so the school lands on
    its own page (withdrawn or cancelled too: the page shows the final status), never on the
    page where it asks for a fresh link; the link goes to no one else."""
    renderer: Renderer = apps["notifications"].state.renderer
    facts = Facts(apps)
    school = Kind.SCHOOL_CONTACT
    mailed = [model for model, sends in RULES.items() if any(s.kind is school for s in sends)]
    assert {"SleAccepted", "DeploymentAgreed", "RequestWithdrawn", "RequestCancelled"} <= {
        model.__name__ for model in mailed
    }
    gaps = []
    for model in mailed:
        event = next(event_variants(facts, model))
        assert getattr(event, "school_link_sealed", None), f"{model.__name__}: no private link"
        for person in recipients(event):
            text = renderer.render(event, person).text
            own = f"/support-requests/{event.request.request_id}/school?token="
            if (own in text) != (person.kind is school) or FRESH_LINK_PATH in text:
                gaps.append(f"{model.__name__} to {person.kind.value}")
    assert not gaps, gaps


def test_the_audit_tells_a_page_from_an_api_route(apps: dict[str, FastAPI]) -> None:
    bookings = ORIGINS["bookings"]
    course = uuid4()
    assert problem(apps, f"{bookings}/catalogue/{course}") is None
    assert problem(apps, f"{bookings}/courses/{course}") == (
        "bookings answers JSON (the API's GET /courses/{course_id})"
    )
    assert problem(apps, f"{bookings}/nowhere/{course}") == (
        f"bookings has no route for /nowhere/{course}"
    )
    assert problem(apps, "https://elsewhere.example/x") == "points outside Alliance's services"
    assert problem(apps, _bookings(apps).certificate_url(course)) is None
