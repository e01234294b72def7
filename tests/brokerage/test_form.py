"""The public form through a real HTTP client: CSRF round trip, accessible structure, the
error summary, values kept after an error, the reference page, and the rate limit."""

import re
from html.parser import HTMLParser
from typing import Any

import httpx

from services.brokerage.app import build_app
from shared.web.csrf import COOKIE
from tests.brokerage.helpers import Alliance, Brokerage, events_for, types
from tests.support.apps import running_app


class Page(HTMLParser):
    """Every element's tag and attributes, and the page's text, for assertions."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, {k: v or "" for k, v in attrs}))

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def all(self, tag: str, **attrs: str) -> list[dict[str, str]]:
        return [
            a for t, a in self.elements if t == tag and all(a.get(k) == v for k, v in attrs.items())
        ]

    def one(self, tag: str, **attrs: str) -> dict[str, str]:
        found = self.all(tag, **attrs)
        assert len(found) == 1, (tag, attrs, found)
        return found[0]

    @property
    def plain(self) -> str:
        return " ".join(" ".join(self.text).split())


FIELDS = [
    "school_name",
    "school_urn",
    "contact_name",
    "contact_role",
    "contact_email",
    "contact_phone",
    "needs",
    "outcomes",
    "timing",
    "days",
]


def filled(page: Page, alliance: Alliance, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "csrf_token": page.one("input", name="csrf_token")["value"],
        "alliance_id": alliance.id,
        "school_name": "Hillview Primary School",
        "school_urn": "115678",
        "contact_name": "Sam Contact",
        "contact_role": "Headteacher",
        "contact_email": "sam@hillview.example.org",
        "contact_phone": "01452 123456",
        "areas": ["phonics", "send"],
        "phase": "primary",
        "needs": "Phonics leadership in Key Stage 1.",
        "outcomes": "Every child reading by the end of Year 1.",
        "timing": "Summer term 2026",
        "days": "2.5",
        "funding_source": "local_authority",
        "consent_to_share": "yes",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


async def open_form(client: httpx.AsyncClient, alliance: Alliance) -> Page:
    response = await client.get("/support-requests/new", params={"alliance": alliance.id})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html")
    return Page(response.text)


async def test_the_form_is_labelled_grouped_and_protected(brokerage: Brokerage) -> None:
    alliance = await brokerage.alliance()
    client = httpx.AsyncClient(transport=brokerage.client._transport, base_url="http://t")
    async with client:  # a first-time visitor, without the cookie yet
        response = await client.get("/support-requests/new", params={"alliance": alliance.id})
    assert COOKIE in response.cookies
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    page = Page(response.text)
    assert page.one("html")["lang"] == "en-GB"
    assert page.one("a", href="#main-content")
    assert page.one("main")["id"] == "main-content"
    assert page.one("link", rel="stylesheet")["href"] == "/static/alliance/alliance.css"
    assert not [a for _, a in page.elements if "http" in a.get("src", "") + a.get("href", "")]
    for name in FIELDS:
        field = page.all("input", id=name) or page.all("textarea", id=name)
        assert field, name
        assert page.one("label", **{"for": name})
    # Groups are fieldsets with legends, every option labelled.
    assert len(page.all("fieldset")) == 4 and len(page.all("legend")) == 4
    areas = page.all("input", name="areas")
    assert len(areas) == 16 and all(a["type"] == "checkbox" for a in areas)
    for option in (
        areas + page.all("input", name="phase") + page.all("input", name="funding_source")
    ):
        assert page.one("label", **{"for": option["id"]})
    hint = page.one("input", id="school_urn")["aria-describedby"]
    assert hint == "school_urn-hint" and page.one("div", id="school_urn-hint")
    assert "Early years" in page.plain and "Post-16" in page.plain
    css = await brokerage.client.get("/static/alliance/alliance.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")


async def test_submitting_the_form_round_trips_csrf_and_shows_the_reference(
    brokerage: Brokerage,
) -> None:
    alliance = await brokerage.alliance()
    client = brokerage.client
    page = await open_form(client, alliance)
    response = await client.post("/support-requests", data=filled(page, alliance))
    assert response.status_code == 201, response.text
    done = Page(response.text)
    reference = re.search(r"SR-\d{4}-\d{6}", done.plain)
    assert reference, done.plain
    assert "sam@hillview.example.org" in done.plain
    manage = [a["href"] for a in done.all("a") if "/school?token=" in a.get("href", "")]
    assert len(manage) == 1

    listed = await client.get("/support-requests", headers=alliance.staff)
    [request] = listed.json()
    assert request["reference"] == reference.group(0)
    assert request["areas"] == ["phonics", "send"] and request["days_requested"] == 2.5
    assert request["funding_source"] == "local_authority" and request["consent_to_share"]
    records = await events_for(brokerage.stack, request["id"], 1)
    assert types(records) == ["request_submitted"]


async def test_without_the_csrf_token_nothing_is_accepted(brokerage: Brokerage) -> None:
    alliance = await brokerage.alliance()
    page = await open_form(brokerage.client, alliance)
    no_token = filled(page, alliance, csrf_token=None)
    assert (await brokerage.client.post("/support-requests", data=no_token)).status_code == 403
    for token in ("1700000000.forged", "1700000000.fórged"):
        forged = filled(page, alliance, csrf_token=token)
        assert (await brokerage.client.post("/support-requests", data=forged)).status_code == 403
    # A token is bound to the visitor's cookie: without the cookie it is worthless.
    fresh = httpx.AsyncClient(transport=brokerage.client._transport, base_url="http://testserver")
    async with fresh:
        stolen = await fresh.post("/support-requests", data=filled(page, alliance))
    assert stolen.status_code == 403
    assert "session has expired" in Page(stolen.text).plain
    listed = await brokerage.client.get("/support-requests", headers=alliance.staff)
    assert listed.json() == []


async def test_errors_are_summarised_linked_and_the_values_kept(brokerage: Brokerage) -> None:
    alliance = await brokerage.alliance()
    client = brokerage.client
    page = await open_form(client, alliance)
    data = filled(
        page,
        alliance,
        school_name='Hillview <script>alert("x")</script>',
        school_urn="12345",
        contact_email="sam-at-hillview",
        days="0.3",
        phase=None,
        consent_to_share=None,
        areas=["send"],
    )
    response = await client.post("/support-requests", data=data)
    assert response.status_code == 422
    assert "<script>alert" not in response.text
    page = Page(response.text)
    assert page.plain.startswith("Error: ")  # the title tells screen reader users first
    summary = page.one("div", role="alert")
    assert summary["class"] == "error-summary"
    links = [
        a["href"]
        for a in page.all("a")
        if a.get("href", "").startswith("#") and a["href"] != "#main-content"
    ]
    assert links == ["#school_urn", "#contact_email", "#phase", "#days", "#consent_to_share"]
    for target in links:
        name = target[1:]
        assert page.all("input", id=name), target
        assert page.one("p", id=f"{name}-error")
    assert "school_urn-error" in page.one("input", id="school_urn")["aria-describedby"]
    assert (
        "phase-error"
        in page.one("fieldset", **{"aria-describedby": "phase-error"})["aria-describedby"]
    )
    assert "Enter the school's URN" in page.plain
    # What was typed is kept, escaped.
    assert page.one("input", id="school_name")["value"] == 'Hillview <script>alert("x")</script>'
    assert page.one("input", id="school_urn")["value"] == "12345"
    assert page.one("input", id="days")["value"] == "0.3"
    assert "checked" in page.one("input", id="areas-send")
    assert "checked" not in page.one("input", id="areas")
    assert "checked" in page.one("input", id="funding_source-local_authority")
    assert page.one("textarea", id="needs") is not None
    assert "Phonics leadership" in response.text
    # A fresh token comes with the page; fixing the errors then succeeds.
    fixed = filled(page, alliance)
    assert (await client.post("/support-requests", data=fixed)).status_code == 201


async def test_an_unknown_alliance_gets_a_clear_page(brokerage: Brokerage) -> None:
    alliance = await brokerage.alliance()
    response = await brokerage.client.get("/support-requests/new", params={"alliance": "nope"})
    assert response.status_code == 404
    page = Page(response.text)
    assert "could not find the alliance" in page.plain
    assert page.all("a", href=f"/support-requests/new?alliance={alliance.id}")
    assert (await brokerage.client.get("/support-requests/new")).status_code == 400


async def test_the_form_is_rate_limited_per_address(brokerage: Brokerage) -> None:
    alliance = await brokerage.alliance()
    settings = brokerage.stack.settings(PUBLIC_RATE_LIMIT_PER_MINUTE=2)
    async with running_app(build_app, settings) as (_, client):
        page = await open_form(client, alliance)
        codes = [
            (await client.post("/support-requests", data=filled(page, alliance))).status_code
            for _ in range(3)
        ]
        assert codes == [201, 201, 429]
        problem = (await client.post("/support-requests", json={})).json()
        assert problem["status"] == 429


async def test_the_schools_link_confirms_and_withdraws(brokerage: Brokerage) -> None:
    alliance = await brokerage.alliance()
    sle = await brokerage.sle(alliance, name="Nia Link")
    submitted = await brokerage.submit(alliance)
    rid, link = submitted["id"], submitted["school_manage_url"]
    path = link.split("://", 1)[1].split("/", 1)[1]
    client = brokerage.client

    for guess in ("guess", "ünïcödé", "\u00e9" * 43):
        wrong = await client.get(f"/support-requests/{rid}/school", params={"token": guess})
        assert wrong.status_code == 404
    as_json = await client.post(
        f"/support-requests/{rid}/withdrawal", json={"school_token": "naïve-guess"}
    )
    assert as_json.status_code in (401, 403, 404), as_json.text
    await brokerage.drive(alliance, submitted, sle, "proposed")
    page = Page((await client.get("/" + path)).text)
    assert "An SLE has been proposed" in page.plain and "Nia Link" in page.plain
    csrf_token = page.all("input", name="csrf_token")[0]["value"]
    token = page.all("input", name="token")[0]["value"]

    forged = await client.post(
        f"/support-requests/{rid}/school",
        data={"token": token, "action": "confirm", "csrf_token": "1.x"},
    )
    assert "session expired" in Page(forged.text).plain
    confirmed = await client.post(
        f"/support-requests/{rid}/school",
        data={"token": token, "action": "confirm", "csrf_token": csrf_token},
    )
    page = Page(confirmed.text)
    assert "you have confirmed the SLE" in page.plain
    assert not page.all("input", value="confirm")  # nothing left to confirm
    withdrawn = await client.post(
        f"/support-requests/{rid}/school",
        data={
            "token": token,
            "action": "withdraw",
            "reason": "Budget cut",
            "csrf_token": csrf_token,
        },
    )
    assert "Withdrawn by the school" in Page(withdrawn.text).plain
    state = await client.get(f"/support-requests/{rid}", headers=alliance.staff)
    assert state.json()["status"] == "withdrawn" and state.json()["exit_reason"] == "Budget cut"
    records = await events_for(brokerage.stack, rid, 4)
    assert types(records) == [
        "request_submitted",
        "request_triaged",
        "sle_proposed",
        "request_withdrawn",
    ]


async def test_every_page_sends_the_kernels_security_headers(brokerage: Brokerage) -> None:
    alliance = await brokerage.alliance()
    submitted = await brokerage.submit(alliance)
    link = submitted["school_manage_url"].split("://", 1)[1].split("/", 1)[1]
    page = await open_form(brokerage.client, alliance)
    pages = {
        "form": await brokerage.client.get(
            "/support-requests/new", params={"alliance": alliance.id}
        ),
        "form errors": await brokerage.client.post(
            "/support-requests", data=filled(page, alliance, school_urn="1")
        ),
        "school page": await brokerage.client.get("/" + link),
        "bad link": await brokerage.client.get(
            f"/support-requests/{submitted['id']}/school", params={"token": "guess"}
        ),
        "unknown alliance": await brokerage.client.get(
            "/support-requests/new", params={"alliance": "nope"}
        ),
    }
    for name, response in pages.items():
        assert response.headers["content-type"].startswith("text/html"), name
        csp = response.headers.get("content-security-policy", "")
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp, name
        assert response.headers.get("x-content-type-options") == "nosniff", name
        assert response.headers.get("referrer-policy"), name
        assert response.headers.get("cache-control") == "no-store", name
