"""The signed-in brokerage pages over HTTP, each person signed in through the real local OpenID
provider: the coordinator takes a request from the queue to a proposal and agrees the
deployment, the SLE accepts and logs a visit, the home-school head releases; bad input is a
GOV.UK error per field, nothing is written; other alliances' staff find nothing."""

import json
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from services.brokerage.demo import ODYSSEY, load_demo_data
from services.brokerage.usecases.people import staff_copy
from tests.brokerage.helpers import Alliance, Brokerage, events_for
from tests.brokerage.test_form import Page
from tests.support.signin import sign_in


@dataclass
class Visitor:
    """One person's browser-like client: their session and CSRF cookies."""

    client: httpx.AsyncClient

    async def get(self, path: str, **params: str) -> tuple[httpx.Response, Page]:
        response = await self.client.get(path, params=params)
        return response, Page(response.text)

    async def post(self, path: str, form_page: str, **data: Any) -> tuple[httpx.Response, Page]:
        """Post ``data`` to ``path`` with the CSRF token of the form on ``form_page``."""
        shown = await self.client.get(form_page)
        token = Page(shown.text).all("input", name="csrf_token")[-1]["value"]
        response = await self.client.post(path, data={"csrf_token": token, **data})
        return response, Page(response.text)


@asynccontextmanager
async def signed_in(brokerage: Brokerage, email: str) -> AsyncIterator[Visitor]:
    transport = httpx.ASGITransport(app=brokerage.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        back = await sign_in(client, email)
        assert back.status_code == 303, back.text
        yield Visitor(client)


async def coordinator_of(brokerage: Brokerage, alliance: Alliance) -> str:
    """A coordinator as bookings would announce one (brokerage's copy of the staff)."""
    email = f"coordinator-{secrets.token_hex(3)}@{alliance.id}.example.org"
    async with brokerage.app.state.context.runtime.transaction() as session:
        await staff_copy.put(session, alliance.id, email, "coordinator")
    return email


async def scene(brokerage: Brokerage) -> tuple[Alliance, dict, dict, str]:
    alliance = await brokerage.alliance()
    head = f"head-{secrets.token_hex(3)}@home.example.org"
    sle = await brokerage.sle(alliance, name=f"Sam {secrets.token_hex(3)}", home_head_email=head)
    submitted = await brokerage.submit(alliance)
    return alliance, sle, submitted, await coordinator_of(brokerage, alliance)


def errors_of(page: Page) -> list[str]:
    return [a["href"] for a in page.all("a") if a.get("href", "").startswith("#")][1:]


async def test_a_request_from_the_queue_to_a_visit_logged(brokerage: Brokerage) -> None:
    alliance, sle, submitted, coordinator = await scene(brokerage)
    rid, reference = submitted["id"], submitted["reference"]
    here = f"/requests/{rid}"
    async with signed_in(brokerage, coordinator) as staff:
        queue, page = await staff.get("/requests", status="submitted")
        assert queue.status_code == 200
        assert {"href": here, "class": "link"} in page.all("a")
        assert reference in page.plain
        _, page = await staff.get("/requests", status="completed")
        assert reference not in page.plain
        bad, page = await staff.get("/requests", status="nonsense")
        assert bad.status_code == 400 and "Choose a status from the list" in page.plain

        shown, page = await staff.get(here)
        assert shown.status_code == 200 and "Triage the request" in page.plain
        wrong, page = await staff.post(f"{here}/triage", here, priority="extreme")
        assert wrong.status_code == 422 and "Choose a priority" in page.plain
        assert page.one("div", **{"class": "error-summary"})
        done, _ = await staff.post(f"{here}/triage", here, priority="high", region="Glos")
        assert done.status_code == 303 and done.headers["location"] == f"{here}?done=triaged"
        await staff.post(f"{here}/matching", here)
        _, page = await staff.get(here)
        assert "Shortlist" in page.plain and sle["name"] in page.plain
        assert "specialism" in page.plain.lower(), "the shortlist says why"
        nobody, page = await staff.post(f"{here}/proposal", here)
        assert nobody.status_code == 422 and "Choose the SLE to propose" in page.plain
        proposed, _ = await staff.post(f"{here}/proposal", here, sle_id=sle["id"])
        assert proposed.status_code == 303

    async with signed_in(brokerage, sle["email"]) as the_sle:
        listed, page = await the_sle.get("/my/proposals")
        assert listed.status_code == 200 and reference in page.plain
        accepted, _ = await the_sle.post(f"{here}/accept", "/my/proposals")
        assert accepted.status_code == 303
        _, page = await the_sle.get(here)
        assert "The SLE has accepted" in page.plain
        assert "Triage note" not in page.plain and "Priority" not in page.plain

    async with signed_in(brokerage, sle["home_head_email"]) as head:
        listed, page = await head.get("/my/releases")
        assert reference in page.plain
        released, _ = await head.post(f"{here}/release", "/my/releases")
        assert released.status_code == 303

    async with signed_in(brokerage, coordinator) as staff:
        _, page = await staff.get(here)
        offered = [i["value"] for i in page.all("input", name="confirmation")]
        assert offered == ["school_confirmed"], "only what is still awaited"
        unchosen, page = await staff.post(f"{here}/confirmation", here)
        assert unchosen.status_code == 422 and errors_of(page) == ["#confirmation"]
        recorded, _ = await staff.post(
            f"{here}/confirmation", here, confirmation="school_confirmed"
        )
        assert recorded.status_code == 303
    async with signed_in(brokerage, sle["email"]) as the_sle:
        _, page = await the_sle.get("/my/proposals")
        assert "Everyone has agreed" in page.plain and reference in page.plain

    async with signed_in(brokerage, coordinator) as staff:
        terms = {
            "days": "2.25",
            "day_rate": "three hundred",
            "fee_percent": "",
            "starts_on": "2026-01-12",
            "ends_on": "",
        }
        refused, page = await staff.post(f"{here}/deployment", here, **terms)
        assert refused.status_code == 422
        assert errors_of(page) == ["#days", "#day_rate", "#fee_percent", "#ends_on"]
        assert page.one("input", name="starts_on")["value"] == "2026-01-12", "values are kept"
        terms.update(days="3", day_rate="350", fee_percent="10", ends_on="2026-03-27")
        agreed, _ = await staff.post(f"{here}/deployment", here, **terms)
        assert agreed.status_code == 303, agreed.text
        _, page = await staff.get(here)
        assert "£350.00" in page.plain and "£105.00" in page.plain

    async with signed_in(brokerage, sle["email"]) as the_sle:
        listed, page = await the_sle.get("/my/deployments")
        assert reference in page.plain
        form = f"{here}/visits/new"
        empty, page = await the_sle.post(f"{here}/visits", form)
        assert empty.status_code == 422
        assert errors_of(page) == ["#visit_date", "#days"]
        outside, page = await the_sle.post(
            f"{here}/visits", form, visit_date="2025-12-01", days="1", summary="Too early"
        )
        assert outside.status_code == 422 and errors_of(page) == ["#visit_date"]
        assert page.one("textarea", name="summary") is not None
        logged, _ = await the_sle.post(
            f"{here}/visits", form, visit_date="2026-02-02", days="1", summary="Met the maths lead"
        )
        assert logged.status_code == 303
        _, page = await the_sle.get(here)
        assert "Met the maths lead" in page.plain
        assert "Days delivered 1 day" in page.plain
    state = await brokerage.client.get(f"/support-requests/{rid}", headers=alliance.staff)
    assert state.json()["status"] == "active"
    assert [v["summary"] for v in state.json()["visits"]] == ["Met the maths lead"]


async def test_other_alliances_and_strangers_find_nothing(brokerage: Brokerage) -> None:
    alliance, sle, submitted, _ = await scene(brokerage)
    other = await brokerage.alliance()
    here = f"/requests/{submitted['id']}"
    async with signed_in(brokerage, await coordinator_of(brokerage, other)) as outsider:
        seen, page = await outsider.get(here)
        assert seen.status_code == 404 and submitted["reference"] not in page.plain
        # A genuine form token of their own (from a form of theirs), on another's request.
        acted, _ = await outsider.post(f"{here}/triage", "/directory/new", priority="high")
        assert acted.status_code == 404
        cancel, _ = await outsider.post(f"{here}/cancel", "/directory/new")
        assert cancel.status_code == 404
        _, page = await outsider.get("/requests")
        assert submitted["reference"] not in page.plain
        assert (await outsider.get(f"/directory/{sle['id']}"))[0].status_code == 404
    async with signed_in(brokerage, sle["email"]) as not_yet:
        seen, _ = await not_yet.get(here)
        assert seen.status_code == 403, "an SLE of the alliance not proposed for it"
        queue, _ = await not_yet.get("/requests")
        assert queue.status_code == 403
    async with signed_in(brokerage, "nobody@example.org") as nobody:
        assert (await nobody.get(here))[0].status_code == 404
        assert (await nobody.get("/my/proposals"))[0].status_code == 403
    anonymous = await brokerage.client.get(here)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"] == f"/signin?next={here}"
    state = await brokerage.client.get(
        f"/support-requests/{submitted['id']}", headers=alliance.staff
    )
    assert state.json()["status"] == "submitted"


async def test_cancelling_asks_first_and_needs_the_form(brokerage: Brokerage) -> None:
    alliance, _, submitted, coordinator = await scene(brokerage)
    here = f"/requests/{submitted['id']}"
    async with signed_in(brokerage, coordinator) as staff:
        asked, page = await staff.get(f"{here}/cancel")
        assert asked.status_code == 200 and "Cancel this request?" in page.plain
        forged = await staff.client.post(f"{here}/cancel", data={"csrf_token": "1.forged"})
        assert forged.status_code == 403 and "text/html" in forged.headers["content-type"]
        assert "The form has expired" in Page(forged.text).plain
        long, page = await staff.post(f"{here}/cancel", f"{here}/cancel", reason="x" * 2001)
        assert long.status_code == 422 and errors_of(page) == ["#reason"]
        state = await brokerage.client.get(
            f"/support-requests/{submitted['id']}", headers=alliance.staff
        )
        assert state.json()["status"] == "submitted", "nothing happened yet"
        done, _ = await staff.post(f"{here}/cancel", f"{here}/cancel", reason="School closed")
        assert done.status_code == 303
        _, page = await staff.get(here)
        assert "Cancelled" in page.plain and "School closed" in page.plain
        again, page = await staff.post(f"{here}/cancel", "/directory/new", reason="Twice")
        assert again.status_code == 409 and "cannot cancel" in page.plain.lower()


async def test_the_directory_lists_adds_and_changes_an_sle(brokerage: Brokerage) -> None:
    alliance, sle, _, coordinator = await scene(brokerage)
    async with signed_in(brokerage, coordinator) as staff:
        listed, page = await staff.get("/directory")
        assert listed.status_code == 200 and sle["name"] in page.plain
        _, page = await staff.get("/directory", specialism="science")
        assert sle["name"] not in page.plain
        form = f"/directory/new?alliance={alliance.id}"
        refused, page = await staff.post(
            f"/directory?alliance={alliance.id}", form, name="Ann New", email="not-an-email"
        )
        assert refused.status_code == 422
        assert errors_of(page)[:2] == ["#email", "#home_school_urn"]
        entry = {
            "name": "Ann New",
            "email": f"ann-{secrets.token_hex(3)}@school.example.org",
            "home_school_urn": "123456",
            "home_school_name": "Oak School",
            "home_head_name": "Olive Oak",
            "home_head_email": "olive@oak.example.org",
            "phases": ["primary", "secondary"],
            "specialisms": "science",
            "days_available": "6",
            "region": "Gloucestershire",
            "status": "active",
        }
        added, _ = await staff.post(f"/directory?alliance={alliance.id}", form, **entry)
        assert added.status_code == 303, added.text
        where = added.headers["location"].split("?")[0]
        _, page = await staff.get(where)
        assert "Oak School" in page.plain and "Primary, Secondary" in page.plain
        changed, _ = await staff.post(
            f"{where}/edit", f"{where}/edit", **{**entry, "days_available": "8", "phone": ""}
        )
        assert changed.status_code == 303, changed.text
        _, page = await staff.get(where)
        assert "8 available" in page.plain
        twice, page = await staff.post(f"/directory?alliance={alliance.id}", form, **entry)
        assert twice.status_code == 409 and "already in the directory" in page.plain


async def test_the_staff_link_in_the_events_opens_the_request_page(brokerage: Brokerage) -> None:
    _, _, submitted, coordinator = await scene(brokerage)
    records = await events_for(brokerage.stack, submitted["id"], 1)
    url = json.loads(records[0].value)["request"]["url"]
    assert url.endswith(f"/requests/{submitted['id']}"), url
    async with signed_in(brokerage, coordinator) as staff:
        opened, page = await staff.get(urlsplit(url).path)
        assert opened.status_code == 200 and submitted["reference"] in page.plain


async def test_a_decline_goes_back_to_matching_then_unmatched_closes(brokerage: Brokerage) -> None:
    alliance, sle, submitted, coordinator = await scene(brokerage)
    rid = submitted["id"]
    here = f"/requests/{rid}"
    await brokerage.drive(alliance, submitted, sle, until="proposed")
    async with signed_in(brokerage, sle["email"]) as the_sle:
        asked, page = await the_sle.get(f"{here}/decline")
        assert asked.status_code == 200 and "Decline this request?" in page.plain
        declined, _ = await the_sle.post(f"{here}/decline", f"{here}/decline", reason="No days")
        assert declined.status_code == 303 and declined.headers["location"] == "/my/proposals"
        _, page = await the_sle.get("/my/proposals")
        assert submitted["reference"] not in page.plain
        gone, _ = await the_sle.get(here)
        assert gone.status_code == 403, "no longer a party to it"
    async with signed_in(brokerage, coordinator) as staff:
        _, page = await staff.get(here)
        assert "Matching" in page.plain and sle["name"] not in page.plain, "left off the list"
        assert "No SLE in the directory can take this request now" in page.plain
        asked, page = await staff.get(f"{here}/unmatched")
        assert "Close as unmatched?" in page.plain
        closed, _ = await staff.post(f"{here}/unmatched", f"{here}/unmatched", reason="")
        assert closed.status_code == 303
    state = await brokerage.client.get(f"/support-requests/{rid}", headers=alliance.staff)
    assert state.json()["status"] == "unmatched"


async def test_completing_gives_back_the_days_not_delivered(brokerage: Brokerage) -> None:
    alliance, sle, submitted, coordinator = await scene(brokerage)
    here = f"/requests/{submitted['id']}"
    await brokerage.drive(alliance, submitted, sle, until="active")
    async with signed_in(brokerage, coordinator) as staff:
        _, page = await staff.get(here)
        assert "Mark the deployment as completed" in page.plain
        done, _ = await staff.post(f"{here}/complete", f"{here}/complete")
        assert done.status_code == 303
        _, page = await staff.get(here)
        assert "Completed" in page.plain and "Days given back 2 days" in page.plain
        _, page = await staff.get(f"/directory/{sle['id']}")
        assert "10 available, 1 committed, 9 left" in page.plain, "only the day delivered"


async def test_an_address_that_names_nothing_is_a_page_not_json(brokerage: Brokerage) -> None:
    *_, coordinator = await scene(brokerage)
    anonymous = await brokerage.client.get("/requests/not-an-id")
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/signin")
    async with signed_in(brokerage, coordinator) as staff:
        for path in ("/requests/not-an-id", "/directory/42/edit"):
            missing, page = await staff.get(path)
            assert missing.status_code == 404, path
            assert "text/html" in missing.headers["content-type"]
            assert "Page not found" in page.plain
        posted, _ = await staff.post("/requests/nope/triage", "/directory/new", priority="low")
        assert posted.status_code == 404


async def test_the_demo_people_find_what_the_readme_says(brokerage: Brokerage) -> None:
    await load_demo_data(brokerage.app.state.runtime)
    async with brokerage.app.state.context.runtime.transaction() as session:
        await staff_copy.put(
            session, ODYSSEY, "sle.coordinator@odyssey-tsa.example.org", "coordinator"
        )
    async with signed_in(brokerage, "sle.coordinator@odyssey-tsa.example.org") as rachel:
        _, page = await rachel.get("/requests")
        assert "Tuffley Primary School" in page.plain and "Cinderford" in page.plain
        _, page = await rachel.get("/directory")
        assert "Claire Bennett" in page.plain and "Amelia Clarke" not in page.plain
    async with signed_in(brokerage, "c.bennett@severnvale.example.org") as claire:
        _, page = await claire.get("/my/deployments")
        assert "Tuffley Primary School" in page.plain
        _, page = await claire.get("/")
        assert "My proposals" in page.plain and "Support requests" not in page.plain
    async with signed_in(brokerage, "head@severnvale.example.org") as mark:
        shown, page = await mark.get("/my/releases")
        assert shown.status_code == 200 and "No SLE from your school is waiting" in page.plain
