"""Every link in every email opens a page, on the real parts: a scenario sends a booking, an
approval, a waiting-list offer, cancellations, a support request through the public form, a
proposal to an SLE, the deployment agreed then cancelled, and a course run to its certificate;
then, for each message in the Maildir, a fresh browser-like client follows each of its links,
signing in through the real OpenID provider as the message's recipient where the page asks for
it: 200 and the page the email is about (HTML) or a PDF, never JSON, never 401. The school
contact's private link, in every email to it, opens without signing in; a school that asks for
a fresh link gets one that works."""

import html
import re
import secrets
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from importlib import import_module
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from uuid import uuid4

import httpx
import pytest
from fastapi import FastAPI

from devstack.mail import read_maildir, wait_for_messages_async
from devstack.settings import SERVICE_SETTINGS, SERVICES
from shared.clock import MovableClock
from shared.identity import Identity, Person
from tests.notifications.support import fast_delivery
from tests.support.isolated import isolated_parts
from tests.support.signin import sign_in
from tests.support.stack import Stack
from tests.support.wait import eventually

CLOCK = MovableClock()
HOST = "http://127.0.0.1"
PORTS = {name: 19101 + n for n, name in enumerate(SERVICES)}
PAGES = ("text/html", "application/pdf")
COURSE = "Phonics leadership"
FRESH_LINK = "/support-requests/fresh-link"  # a school's page to ask for its private link
FAST_REMINDERS = {"BOOKINGS_OFFER_EXPIRY_INTERVAL_S": 0.2}


@dataclass
class Site:
    stack: Stack
    apps: dict[str, FastAPI]
    maildir: Path

    def client(self, service: str = "bookings") -> httpx.AsyncClient:
        """A browser-like client: one cookie jar across the services' ports of one host."""
        mounts = {
            f"{HOST}:{PORTS[name]}": httpx.ASGITransport(app=app) for name, app in self.apps.items()
        }
        return httpx.AsyncClient(mounts=mounts, base_url=f"{HOST}:{PORTS[service]}")


@pytest.fixture(scope="module")
async def site(stack: Stack) -> AsyncIterator[Site]:
    urls = {f"{name.upper()}_PUBLIC_URL": f"{HOST}:{port}" for name, port in PORTS.items()}
    async with isolated_parts(stack, "emaillinks") as parts, AsyncExitStack() as running:
        apps = {}
        for name in SERVICES:
            values = {**urls, **parts.overrides, **fast_delivery(), **FAST_REMINDERS}
            settings = stack.settings(SERVICE_SETTINGS[name], **values)
            build = import_module(f"services.{name}.app").build_app
            # Bookings runs on a clock the running-a-course test moves.
            app = build(settings, clock=CLOCK) if name == "bookings" else build(settings)
            await running.enter_async_context(app.router.lifespan_context(app))
            apps[name] = app
        yield Site(stack, apps, parts.maildir)


class Scenario:
    """One alliance of its own, with every address tagged ``run`` so its mail is its own."""

    def __init__(self, site: Site, api: httpx.AsyncClient) -> None:
        self.site = site
        self.api = api
        self.run = secrets.token_hex(4)
        self.alliance = f"links-{self.run}"
        self.admin_email = self.address("admin")
        self.coordinator = self.address("coordinator")
        self.admin = site.stack.auth("alliance_admin", self.alliance, email=self.admin_email)
        self.staff = site.stack.auth("coordinator", self.alliance, email=self.coordinator)

    def address(self, local: str) -> str:
        return f"{local}@{self.run}.example.org"

    async def ok(self, method: str, url: str, expect: int = 200, **kwargs: Any) -> Any:
        response = await self.api.request(method, url, **kwargs)
        assert response.status_code == expect, f"{method} {url}: {response.text}"
        return response.json() if response.content else None

    async def staff_appointed(self) -> None:
        for email, role in ((self.admin_email, "administrator"), (self.coordinator, "coordinator")):
            body = {"email": email, "role": role}
            await self.ok(
                "POST", f"/alliances/{self.alliance}/staff", 201, json=body, headers=self.admin
            )

    async def school(self, n: int, requires_approval: bool) -> dict[str, str]:
        urn = f"{secrets.randbelow(900_000) + 100_000}"
        lead = self.address(f"lead{n}")
        body = {
            "name": f"Hillview {n} Primary",
            "cpd_lead_name": f"Lee Lead {n}",
            "cpd_lead_email": lead,
            "requires_approval": requires_approval,
        }
        await self.ok("PUT", f"/schools/{urn}", 201, json=body, headers=self.admin)
        await self.ok("PUT", f"/alliances/{self.alliance}/members/{urn}", 201, headers=self.admin)
        return {"urn": urn, "lead": lead}

    async def course(self, starts: datetime, capacity: int = 1) -> str:
        body = {
            "title": COURSE,
            "summary": "Leading early reading across a school.",
            "strand": "subject_network",
            "phases": ["primary"],
            "audience": "Reading leads",
            "facilitator": "Odyssey English hub",
            "sessions": [
                {
                    "starts_at": starts.isoformat(),
                    "ends_at": (starts + timedelta(hours=3)).isoformat(),
                    "venue": "Odyssey Teaching School, Gloucester",
                }
            ],
            "capacity": capacity,
            "booking_closes_at": (starts - timedelta(hours=12)).isoformat(),
            "member_price_pence": 9_000,
            "non_member_price_pence": 12_000,
        }
        course = await self.ok("POST", "/courses", 201, json=body, headers=self.admin)
        await self.ok("POST", f"/courses/{course['id']}/publish", headers=self.admin)
        return str(course["id"])

    async def book(self, course: str, school: dict[str, str], participant: str, auth: dict) -> str:
        body = {
            "school_urn": school["urn"],
            "participant": {"name": "Sam Teacher", "email": participant, "role": "Teacher"},
        }
        headers = {**auth, "Idempotency-Key": uuid4().hex}
        booking = await self.ok(
            "POST", f"/courses/{course}/bookings", 201, json=body, headers=headers
        )
        return str(booking["id"])

    def lead_of(self, school: dict[str, str]) -> dict[str, str]:
        return self.site.stack.auth(
            "school_lead", self.alliance, school_urn=school["urn"], email=school["lead"]
        )

    async def bookings(self) -> None:
        """Confirmed; awaiting approval, approved, waitlisted; cancelled, offered; the course
        cancelled (its administrator told the numbers)."""
        await self.staff_appointed()
        first, second = await self.school(1, False), await self.school(2, True)
        course = await self.course(CLOCK.now() + timedelta(days=60))
        taken = await self.book(course, first, self.address("pat"), self.lead_of(first))
        asking = self.address("quinn")
        participant = self.site.stack.auth(
            "participant", self.alliance, school_urn=second["urn"], email=asking
        )
        waiting = await self.book(course, second, asking, participant)
        approved = await self.ok(
            "POST", f"/bookings/{waiting}/approve", headers=self.lead_of(second)
        )
        assert approved["status"] == "waitlisted", approved
        await self.ok("POST", f"/bookings/{taken}/cancel", json={}, headers=self.lead_of(first))
        reason = {"reason": "The facilitator is ill."}
        await self.ok("POST", f"/courses/{course}/cancel", json=reason, headers=self.admin)

    async def running(self) -> None:
        """A course the day before (the reminder), its register taken, completed: the
        certificate of attendance and the evaluation asked for."""
        starts = CLOCK.now().replace(microsecond=0) + timedelta(days=2)
        school = await self.school(3, False)
        course = await self.course(starts, capacity=10)
        came = await self.book(course, school, self.address("ran"), self.lead_of(school))
        move_to(starts - timedelta(days=1) + timedelta(minutes=5))
        await wait_for_messages_async(self.site.maildir, self.to("ran", "Reminder"), timeout_s=60)
        move_to(starts + timedelta(minutes=30))
        marks = {"marks": [{"booking_id": came, "attended": True}]}
        register = f"/courses/{course}/sessions/0/register"
        await self.ok("PUT", register, json=marks, headers=self.admin)
        move_to(starts + timedelta(hours=4))
        await self.ok("POST", f"/courses/{course}/complete", headers=self.admin)

    async def brokerage(self) -> tuple[str, dict[str, Any]]:
        """A support request through the public form; the coordinator proposes an SLE."""
        api = f"{HOST}:{PORTS['brokerage']}"
        alliance = {
            "name": "Links Teaching School Alliance",
            "region": "Gloucestershire",
            "coordinators": [{"name": "Cora Ordinator", "email": self.coordinator}],
        }
        await self.ok("PUT", f"{api}/alliances/{self.alliance}", json=alliance, headers=self.admin)
        sle = {
            "name": "Nia Link",
            "email": self.address("sle"),
            "home_school_urn": "123457",
            "home_school_name": "Beech Primary School",
            "home_head_name": "Hilary Head",
            "home_head_email": self.address("head"),
            "phases": ["primary"],
            "specialisms": ["phonics"],
            "days_available": 10,
            "region": "Gloucestershire",
        }
        made = await self.ok("POST", f"{api}/sles", 201, json=sle, headers=self.staff)
        form = await self.api.get(f"{api}/support-requests/new", params={"alliance": self.alliance})
        token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        assert token is not None, form.text
        filled = {
            "csrf_token": token.group(1),
            "alliance_id": self.alliance,
            "school_name": "Coney Hill Primary",
            "school_urn": "115999",
            "contact_name": "Hana Head",
            "contact_role": "Headteacher",
            "contact_email": self.address("school"),
            "contact_phone": "01452 000000",
            "areas": ["phonics"],
            "phase": "primary",
            "needs": "Phonics leadership.",
            "outcomes": "Every child reading by Year 2.",
            "timing": "Spring term",
            "days": "2",
            "funding_source": "own_budget",
            "consent_to_share": "yes",
        }
        sent = await self.api.post(f"{api}/support-requests", data=filled)
        assert sent.status_code == 201, sent.text
        [request] = await self.ok("GET", f"{api}/support-requests", headers=self.staff)
        steps = f"{api}/support-requests/{request['id']}"
        await self.ok("POST", f"{steps}/triage", json={}, headers=self.staff)
        await self.ok("POST", f"{steps}/matching", json={}, headers=self.staff)
        await self.ok("POST", f"{steps}/proposal", json={"sle_id": made["id"]}, headers=self.staff)
        return steps, made

    async def deployment(self, steps: str, sle: dict[str, Any]) -> None:
        """The SLE accepts; the school confirms through the token of its email's private link;
        the home school releases; the coordinator agrees the deployment."""
        as_sle = self.site.stack.auth("sle", self.alliance, email=sle["email"])
        await self.ok("POST", f"{steps}/sle-acceptance", json={}, headers=as_sle)
        [proposed] = await wait_for_messages_async(
            self.site.maildir, self.to("school", "SLE proposed"), timeout_s=60
        )
        token = re.search(r"/school\?token=([^\s\"&<]+)", body(proposed))
        assert token is not None, body(proposed)
        confirm = {"school_token": html.unescape(token.group(1))}
        await self.ok("POST", f"{steps}/school-confirmation", json=confirm)
        head = self.site.stack.auth(
            "school_lead",
            self.alliance,
            school_urn=sle["home_school_urn"],
            email=sle["home_head_email"],
        )
        await self.ok("POST", f"{steps}/home-school-release", json={}, headers=head)
        agreement = {
            "days": 2,
            "day_rate_pence": 35_000,
            "brokerage_fee_percent": 10,
            "starts_on": (date.today() + timedelta(days=30)).isoformat(),
            "ends_on": (date.today() + timedelta(days=90)).isoformat(),
        }
        await self.ok("POST", f"{steps}/deployment", json=agreement, headers=self.staff)

    def to(self, local: str, subject: str) -> Callable[[EmailMessage], bool]:
        address = self.address(local)
        return lambda m: recipient(m) == address and subject in str(m["Subject"])

    def mine(self, message: EmailMessage) -> bool:
        return f"@{self.run}." in recipient(message)


def move_to(moment: datetime) -> None:
    CLOCK.offset += moment - CLOCK.now()


def recipient(message: EmailMessage) -> str:
    return str(message["To"].addresses[0].addr_spec).lower()


def body(message: EmailMessage) -> str:
    return "".join(
        part.get_content() for part in message.walk() if part.get_content_maintype() == "text"
    )


def links(message: EmailMessage) -> list[str]:
    """Every link of the message, from its HTML part (href) and its text part."""
    found: set[str] = set()
    for part in message.walk():
        if part.get_content_type() == "text/html":
            found |= {html.unescape(h) for h in re.findall(r'href="([^"]+)"', part.get_content())}
        elif part.get_content_type() == "text/plain":
            text = part.get_content()
            found |= {u.rstrip(".,;") for u in re.findall(r"https?://[^\s<>\"')]+", text)}
    return sorted(found)


async def follow(site: Site, message: EmailMessage, link: str) -> str | None:
    """Open ``link`` as the message's recipient would, in a browser of their own (signing in
    when the page sends them to), and say why it is not the page the email is about, or None
    when it is. The school's private link must open as it is."""
    private = "/school?token=" in link
    async with site.client() as browser:
        response = await browser.get(link)
        sent_to = urlsplit(response.headers.get("location", "")).path
        if response.is_redirect and sent_to == "/signin" and not private:
            await sign_in(browser, recipient(message))
            response = await browser.get(link, follow_redirects=True)
        elif not private:
            response = await browser.get(link, follow_redirects=True)
    kind = response.headers.get("content-type", "").split(";")[0]
    if response.status_code != 200 or kind not in PAGES:
        return f"{response.status_code} {kind or '(no content type)'}"
    landed = urlsplit(str(response.url))
    if landed.netloc != urlsplit(link).netloc or landed.path == "/signin":
        return f"ended at {response.url}"
    about = subject_matter(message)
    if kind == "text/html" and about and landed.path != FRESH_LINK and about not in response.text:
        return f"a page that does not name {about!r}"
    return None


def subject_matter(message: EmailMessage) -> str | None:
    """What the email is about, by its subject: the request's reference or the course."""
    subject = str(message["Subject"])
    reference = re.search(r"SR-\d{4}-\d+", subject)
    if reference:
        return reference.group(0)
    return COURSE if COURSE in subject else None


async def known_to_brokerage(site: Site, email: str) -> None:
    """Brokerage learns the alliance's staff from bookings' events: wait until it has."""
    from services.brokerage.usecases.people import identity_of

    sessions = site.apps["brokerage"].state.runtime.sessions
    person = Person(subject=email, email=email, name=email)

    async def identity() -> Identity:
        return await identity_of(sessions, person)

    await eventually(identity, lambda found: bool(found.principals), timeout=30)


SCHOOL_HEARS = ("SLE proposed", "SLE accepted", "agreed", "cancelled")


async def test_every_link_in_every_email_opens_a_page_for_its_recipient(site: Site) -> None:
    async with site.client() as api:
        scenario = Scenario(site, api)
        await scenario.bookings()
        steps, sle = await scenario.brokerage()
        await scenario.deployment(steps, sle)
        ended = {"reason": "The school's needs changed"}
        await scenario.ok("POST", f"{steps}/cancellation", json=ended, headers=scenario.staff)

    ends = (("admin", "You cancelled"), ("quinn", "cancelled"), ("head", "agreed"))
    # Several senders work at once, so the last event's email need not be the last to land:
    # wait for each email that is checked below.
    school = tuple(("school", about) for about in SCHOOL_HEARS)
    for last in (*ends, *school):
        await wait_for_messages_async(site.maildir, scenario.to(*last), timeout_s=60)
    await known_to_brokerage(site, scenario.coordinator)
    messages = [m for m in read_maildir(site.maildir) if scenario.mine(m)]
    heard = {recipient(m).split("@")[0] for m in messages}
    assert heard >= {"pat", "quinn", "lead1", "lead2", "admin", "coordinator", "school", "sle"}
    assert heard >= {"head"}

    await every_link_opens_a_page(site, messages)
    every_email_to_the_school_carries_its_own_link(scenario, messages)
    await a_fresh_link_opens_the_schools_page(site, scenario, messages)


def every_email_to_the_school_carries_its_own_link(
    scenario: Scenario, messages: list[EmailMessage]
) -> None:
    """Submitted, proposed, accepted, agreed, cancelled: each email to the school contact links
    to its own page (the link of the cancelled request shows its final status), none to the
    page for asking a fresh link."""
    school = [m for m in messages if scenario.to("school", "")(m)]
    subjects = " | ".join(str(m["Subject"]) for m in school)
    for about in SCHOOL_HEARS:
        assert about in subjects, subjects
    for message in school:
        paths = [urlsplit(link).path for link in links(message)]
        assert any(p.endswith("/school") for p in paths), message["Subject"]
        assert FRESH_LINK not in paths, message["Subject"]


async def a_fresh_link_opens_the_schools_page(
    site: Site, scenario: Scenario, messages: list[EmailMessage]
) -> None:
    """The school, whose link no longer works, asks for a fresh one on the public page; the new
    link's email opens its page too."""
    accepted = next(m for m in messages if scenario.to("school", "SLE accepted")(m))
    asking = f"{HOST}:{PORTS['brokerage']}{FRESH_LINK}"
    reference = subject_matter(accepted)
    async with site.client("brokerage") as browser:
        form = await browser.get(asking)
        token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        assert token is not None, form.text
        filled = {"csrf_token": token.group(1), "reference": reference}
        sent = await browser.post(asking, data={**filled, "email": scenario.address("school")})
        assert sent.status_code == 200 and "Check your email" in sent.text, sent.text
    fresh = await wait_for_messages_async(
        site.maildir, scenario.to("school", "Your new link"), timeout_s=60
    )
    assert all("/school?token=" in " ".join(links(m)) for m in fresh)
    await every_link_opens_a_page(site, fresh)


async def every_link_opens_a_page(site: Site, messages: list[EmailMessage]) -> None:
    gaps = []
    for message in messages:
        assert links(message), f"no link in {message['Subject']!r}"
        for link in links(message):
            problem = await follow(site, message, link)
            if problem is not None:
                gaps.append(f"{recipient(message)} {message['Subject']!r}: {link} -> {problem}")
    if gaps:
        pytest.fail("links that open no page:\n" + "\n".join(gaps), pytrace=False)


async def test_the_links_of_running_a_course_open_pages_and_the_certificate(site: Site) -> None:
    async with site.client() as api:
        scenario = Scenario(site, api)
        await scenario.staff_appointed()
        await scenario.running()
    for last in (("ran", "Certificate of attendance"), ("ran", "How was"), ("lead3", "Cert")):
        await wait_for_messages_async(site.maildir, scenario.to(*last), timeout_s=60)
    messages = [m for m in read_maildir(site.maildir) if scenario.mine(m)]
    certificate = [link for m in messages for link in links(m) if "certificate.pdf" in link]
    assert certificate, [m["Subject"] for m in messages]
    await every_link_opens_a_page(site, messages)
