"""The alliance administrator's pages over HTTP: signed in through the local OpenID provider,
each page and form against the real bookings app, its database and broker."""

import csv
import html
import io
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any
from uuid import uuid4

import httpx
import pytest

from services.bookings.web.formatting import LONDON
from shared.clock import MovableClock
from tests.bookings.conftest import CLOCK, Alliance, new_urn
from tests.support.signin import sign_in


@pytest.fixture
async def browser(api: httpx.AsyncClient) -> AsyncIterator[httpx.AsyncClient]:
    """A client with its own cookie jar, on the same app as ``api``."""
    async with httpx.AsyncClient(transport=api._transport, base_url=api.base_url) as client:
        yield client


def csrf(page: str) -> str:
    """The CSRF token of the first form in the page's main part (the header has its own)."""
    found = re.search(r'name="csrf_token" value="([^"]*)"', page[page.find("<main") :])
    assert found, page
    return found.group(1)


def summary(page: str) -> list[str]:
    """The messages of the GOV.UK error summary, in order."""
    start = page.find('class="error-summary"')
    assert start >= 0, "no error summary"
    block = page[start : page.find("</div>", start)]
    return [html.unescape(m) for m in re.findall(r'<li><a href="#[^"]+">([^<]*)</a>', block)]


def ticked(page: str) -> dict[str, bool]:
    """Each register checkbox's booking id and whether it is ticked."""
    boxes = re.findall(r'<input type="checkbox"[^>]*name="attended" value="([^"]+)"([^>]*)>', page)
    return {value: "checked" in rest for value, rest in boxes}


async def signed_in_admin(alliance: Alliance, client: httpx.AsyncClient) -> str:
    """An administrator of ``alliance`` (on its staff), signed in on ``client``."""
    email = f"admin-{uuid4().hex[:8]}@{alliance.alliance_id}.example.org"
    invited = await alliance.api.post(
        f"/alliances/{alliance.alliance_id}/staff",
        json={"email": email, "role": "administrator", "name": "Ada Admin"},
        headers=alliance.admin,
    )
    assert invited.status_code == 201, invited.text
    back = await sign_in(client, email, next=f"/admin/{alliance.alliance_id}/courses")
    assert back.status_code == 303
    return email


def course_form(days: int = 60, **overrides: Any) -> dict[str, Any]:
    start = (CLOCK.now() + timedelta(days=days)).astimezone(LONDON)
    closes = start - timedelta(days=7)
    form: dict[str, Any] = {
        "title": "Reading for pleasure",
        "summary": "Building a reading culture.",
        "strand": "cpd",
        "phases": ["primary", "secondary"],
        "audience": "English leads",
        "facilitator": "Jo Bennett",
        "session-0-date": start.date().isoformat(),
        "session-0-starts": "09:30",
        "session-0-ends": "12:30",
        "session-0-venue": "Odyssey Teaching School, Gloucester",
        "capacity": "1",
        "booking_closes_date": closes.date().isoformat(),
        "booking_closes_time": "17:00",
        "member_price": "90",
        "non_member_price": "120.50",
        "band-0-days": "10",
        "band-0-percent": "50",
        "no_show_percent": "100",
        "offer_hold_hours": "48",
        "reminder_days": "7, 1",
    }
    form.update(overrides)
    return form


async def test_admin_pages_send_a_stranger_to_sign_in(
    alliance: Alliance, browser: httpx.AsyncClient
) -> None:
    page = await browser.get(f"/admin/{alliance.alliance_id}/courses")
    assert page.status_code == 303
    assert page.headers["location"] == f"/signin?next=/admin/{alliance.alliance_id}/courses"


async def test_an_administrator_creates_publishes_changes_and_cancels_a_course(
    alliance: Alliance, browser: httpx.AsyncClient
) -> None:
    await signed_in_admin(alliance, browser)
    a = alliance.alliance_id
    start = await browser.get("/")
    assert f'href="/admin/{a}/courses"' in start.text

    new = await browser.get(f"/admin/{a}/courses/new")
    assert new.status_code == 200
    token = csrf(new.text)
    forged = await browser.post(f"/admin/{a}/courses/new", data=course_form())
    assert forged.status_code == 403
    assert "<h1>" in forged.text and "did not come from this site" in forged.text

    bad = course_form(
        title="",
        phases=[],
        member_price="ninety",
        capacity="0",
        **{"session-0-ends": "08:00", "session-1-date": "2099-13-01"},
    )
    refused = await browser.post(f"/admin/{a}/courses/new", data={**bad, "csrf_token": token})
    assert refused.status_code == 422
    assert summary(refused.text) == [
        "Enter the title",
        "Select at least one phase",
        "The session must end after it starts",
        "Enter the session's date and start time",
        "Enter the time the session ends",
        "The number of places must be 1 or more",
        "The member price must be an amount in pounds, like 90 or 90.50",
    ]
    assert 'value="Jo Bennett"' in refused.text  # what was typed is kept
    listed = await alliance.api.get(
        "/courses", params={"status": "draft", "alliance": a}, headers=alliance.admin
    )
    assert listed.json()["total"] == 0  # nothing half-written

    form = {**course_form(), "csrf_token": token}
    made = await browser.post(f"/admin/{a}/courses/new", data=form)
    assert made.status_code == 303, made.text
    course_url = made.headers["location"].split("?")[0]
    course_id = course_url.rsplit("/", 1)[1]
    api_view = (await alliance.api.get(f"/courses/{course_id}", headers=alliance.admin)).json()
    assert api_view["status"] == "draft"
    assert api_view["member_price_pence"] == 9_000
    assert api_view["non_member_price_pence"] == 12_050
    assert api_view["phases"] == ["primary", "secondary"]
    assert api_view["cancellation_policy"]["bands"] == [{"max_working_days": 10, "percent": 50}]

    draft = await browser.get(made.headers["location"])
    assert "Course drafted" in draft.text and "Publish the course" in draft.text
    published = await browser.post(f"{course_url}/publish", data={"csrf_token": csrf(draft.text)})
    assert published.status_code == 303
    assert "Course published" in (await browser.get(published.headers["location"])).text
    again = await browser.post(f"{course_url}/publish", data={"csrf_token": token})
    assert again.status_code == 409 and "only a draft can be published" in again.text

    edit = await browser.get(f"{course_url}/edit")
    assert 'value="Reading for pleasure"' in edit.text and 'value="120.50"' in edit.text
    changed = await browser.post(
        f"{course_url}/edit", data={**course_form(), "capacity": "2", "csrf_token": token}
    )
    assert changed.status_code == 303, changed.text
    after = (await alliance.api.get(f"/courses/{course_id}")).json()
    assert after["capacity"] == 2 and after["status"] == "published"

    school = await alliance.school()
    await school.book(course_id)
    await school.book(course_id)
    waiting = await school.book(course_id)
    assert waiting["status"] == "waitlisted"
    listing = await browser.get(f"/admin/{a}/courses")
    row = listing.text[listing.text.find("Reading for pleasure") :]
    assert re.search(r"0 of 2</td>\s*<td class=\"numeric\">1</td>", row), row[:400]

    confirm = await browser.get(f"{course_url}/cancel")
    assert "Are you sure you want to cancel this course?" in confirm.text
    assert "Every one of these 3 bookings is cancelled and refunded" in confirm.text
    no_reason = await browser.post(f"{course_url}/cancel", data={"csrf_token": token})
    assert no_reason.status_code == 422
    assert summary(no_reason.text) == ["Enter the reason: it is sent to everyone with a place"]
    assert (await alliance.api.get(f"/courses/{course_id}")).json()["status"] == "published"
    cancelled = await browser.post(
        f"{course_url}/cancel", data={"csrf_token": token, "reason": "The venue flooded"}
    )
    assert cancelled.status_code == 303
    assert "Course cancelled" in (await browser.get(cancelled.headers["location"])).text
    gone = await alliance.api.get(f"/bookings?course={course_id}", headers=alliance.admin)
    assert {b["status"] for b in gone.json()["items"]} == {"cancelled"}
    assert "Change the course" not in (await browser.get(course_url)).text


async def test_bookings_page_and_csv_list_places_and_waiting_list_in_order(
    alliance: Alliance, browser: httpx.AsyncClient
) -> None:
    await signed_in_admin(alliance, browser)
    course = await alliance.course(capacity=1)
    school = await alliance.school(name="=cmd|' /C calc'!A0")
    first = await school.book(course["id"], "first@school.example.org")
    second = await school.book(course["id"], "second@school.example.org")
    third = await school.book(course["id"], "third@school.example.org")
    assert (first["status"], second["status"], third["status"]) == (
        "confirmed",
        "waitlisted",
        "waitlisted",
    )
    page = await browser.get(f"/admin/courses/{course['id']}/bookings")
    assert page.status_code == 200
    text = page.text
    assert "Places (1)" in text and "Waiting list (2)" in text
    places, waiting = text.split('id="waiting"')
    assert "first@school.example.org" in places
    assert waiting.index("second@") < waiting.index("third@")

    exported = await browser.get(f"/admin/courses/{course['id']}/bookings.csv")
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(exported.text)))
    assert rows[0][:3] == ["Participant", "Email", "Role"]
    by_email = {r[1]: r for r in rows[1:]}
    assert set(by_email) == {
        "first@school.example.org",
        "second@school.example.org",
        "third@school.example.org",
    }
    assert by_email["first@school.example.org"][5] == "Confirmed"
    assert by_email["third@school.example.org"][6] == "2"
    assert by_email["first@school.example.org"][4] == "'=cmd|' /C calc'!A0"


async def test_another_alliances_admin_is_refused_everywhere(
    alliance: Alliance, other_alliance: Alliance, browser: httpx.AsyncClient
) -> None:
    course = await alliance.course(publish=False)
    school = await alliance.school()
    await signed_in_admin(other_alliance, browser)
    page = await browser.get(f"/admin/{other_alliance.alliance_id}/staff")
    token = csrf(page.text)
    a = alliance.alliance_id
    for path in (f"/admin/{a}/courses", f"/admin/{a}/courses/new", f"/admin/{a}/schools"):
        refused = await browser.get(path)
        assert refused.status_code == 403, path
        assert "You cannot do this" in refused.text
    assert (await browser.get(f"/admin/{a}/staff")).status_code == 403
    for path in ("/admin/courses/not-a-course", f"/admin/courses/{uuid4()}"):
        nothing = await browser.get(path)
        assert nothing.status_code == 404 and "Page not found" in nothing.text
    for suffix in ("", "/edit", "/cancel", "/bookings", "/bookings.csv", "/register/0"):
        missing = await browser.get(f"/admin/courses/{course['id']}{suffix}")
        assert missing.status_code == 404, suffix
        assert course["title"] not in missing.text
    posts = {
        f"/admin/courses/{course['id']}/publish": {},
        f"/admin/courses/{course['id']}/cancel": {"reason": "mine now"},
        f"/admin/courses/{course['id']}/edit": course_form(),
        f"/admin/courses/{course['id']}/register/0": {},
        f"/admin/courses/{course['id']}/complete": {},
        f"/admin/{a}/courses/new": course_form(),
        f"/admin/{a}/schools": {"urn": school.urn},
        f"/admin/{a}/schools/{school.urn}/remove": {},
        f"/admin/{a}/staff": {"email": "spy@example.org", "role": "administrator"},
    }
    for path, data in posts.items():
        refused = await browser.post(path, data={**data, "csrf_token": token})
        assert refused.status_code in (403, 404), path
    assert (await alliance.api.get(f"/courses/{course['id']}", headers=alliance.admin)).json()[
        "status"
    ] == "draft"
    members = await alliance.api.get(f"/alliances/{a}/members", headers=alliance.admin)
    assert [m["urn"] for m in members.json()] == [school.urn]
    staff = await alliance.api.get(f"/alliances/{a}/staff", headers=alliance.admin)
    assert "spy@example.org" not in staff.text


async def test_member_schools_added_registered_and_removed_and_records_kept_by_their_keepers(
    alliance: Alliance, other_alliance: Alliance, browser: httpx.AsyncClient
) -> None:
    await signed_in_admin(alliance, browser)
    a = alliance.alliance_id
    page = await browser.get(f"/admin/{a}/schools")
    token = csrf(page.text)
    bad = await browser.post(f"/admin/{a}/schools", data={"csrf_token": token, "urn": "12ab"})
    assert bad.status_code == 422
    assert summary(bad.text) == ["Enter the school's URN: 6 digits, like 115678"]

    urn = new_urn()
    unknown = await browser.post(f"/admin/{a}/schools", data={"csrf_token": token, "urn": urn})
    assert unknown.status_code == 200 and "Register the school" in unknown.text
    form = {"csrf_token": token, "new": "yes", "name": "", "cpd_lead_name": "Kim Lead"}
    incomplete = await browser.post(
        f"/admin/{a}/schools/{urn}", data={**form, "cpd_lead_email": "kim"}
    )
    assert incomplete.status_code == 422
    assert summary(incomplete.text) == [
        "Enter the school's name (one line, 200 characters or fewer)",
        "Enter the CPD lead's email address in the correct format, like name@school.org",
    ]
    registered = await browser.post(
        f"/admin/{a}/schools/{urn}",
        data={**form, "name": "Hillside Primary", "cpd_lead_email": "kim@hillside.example.org"},
    )
    assert registered.status_code == 303
    listed = await browser.get(registered.headers["location"])
    assert "School added" in listed.text and "Hillside Primary" in listed.text

    theirs = await other_alliance.school(member=False, name="Their Academy")
    joined = await browser.post(
        f"/admin/{a}/schools", data={"csrf_token": token, "urn": theirs.urn}
    )
    assert joined.status_code == 303
    record = await browser.get(f"/admin/{a}/schools/{theirs.urn}")
    assert record.status_code == 200 and "Their Academy" in record.text
    takeover = await browser.post(
        f"/admin/{a}/schools/{theirs.urn}",
        data={
            "csrf_token": token,
            "name": "Our Academy now",
            "cpd_lead_name": "Eve",
            "cpd_lead_email": "eve@attacker.example.org",
        },
    )
    assert takeover.status_code == 403
    assert "membership does not let you change it" in takeover.text
    school = await other_alliance.api.get(f"/schools/{theirs.urn}", headers=other_alliance.admin)
    assert school.json()["cpd_lead_email"] == theirs.lead_email

    confirm = await browser.get(f"/admin/{a}/schools/{urn}/remove")
    assert "End Hillside Primary&#39;s membership?" in confirm.text
    removed = await browser.post(f"/admin/{a}/schools/{urn}/remove", data={"csrf_token": token})
    assert removed.status_code == 303
    members = await alliance.api.get(f"/alliances/{a}/members", headers=alliance.admin)
    assert [m["urn"] for m in members.json()] == [theirs.urn]


async def test_staff_invited_changed_and_removed_and_the_last_administrator_stays(
    alliance: Alliance, browser: httpx.AsyncClient
) -> None:
    me = await signed_in_admin(alliance, browser)
    a = alliance.alliance_id
    page = await browser.get(f"/admin/{a}/staff")
    assert me in page.text
    assert f'href="/admin/{a}/staff" aria-current="page">Staff<' in page.text
    token = csrf(page.text)
    bad = await browser.post(
        f"/admin/{a}/staff", data={"csrf_token": token, "email": "nope", "role": "king"}
    )
    assert bad.status_code == 422
    assert summary(bad.text) == [
        "Enter an email address in the correct format, like name@example.org",
        "Select a role: administrator or coordinator",
    ]
    invited = await browser.post(
        f"/admin/{a}/staff",
        data={"csrf_token": token, "email": "Co@Example.org", "name": "Co", "role": "coordinator"},
    )
    assert invited.status_code == 303
    twice = await browser.post(
        f"/admin/{a}/staff",
        data={"csrf_token": token, "email": "co@example.org", "role": "administrator"},
    )
    assert twice.status_code == 409 and "already on this alliance" in twice.text

    demote_me = await browser.post(
        f"/admin/{a}/staff/{me}/role", data={"csrf_token": token, "role": "coordinator"}
    )
    assert demote_me.status_code == 409
    assert summary(demote_me.text) == [
        "an alliance keeps at least one administrator: appoint another one first"
    ]
    promoted = await browser.post(
        f"/admin/{a}/staff/co@example.org/role", data={"csrf_token": token, "role": "administrator"}
    )
    assert promoted.status_code == 303
    confirm = await browser.get(f"/admin/{a}/staff/co@example.org/remove")
    assert "Remove Co from the staff?" in confirm.text
    removed = await browser.post(
        f"/admin/{a}/staff/co@example.org/remove", data={"csrf_token": token}
    )
    assert removed.status_code == 303
    staff = await alliance.api.get(f"/alliances/{a}/staff", headers=alliance.admin)
    assert [(m["email"], m["role"]) for m in staff.json()] == [(me, "administrator")]
    last = await browser.post(f"/admin/{a}/staff/{me}/remove", data={"csrf_token": token})
    assert last.status_code == 409


async def test_an_administrator_takes_the_register_and_closes_it(
    alliance: Alliance, browser: httpx.AsyncClient, clock: MovableClock
) -> None:
    await signed_in_admin(alliance, browser)
    course = await alliance.course(capacity=2)
    school = await alliance.school()
    came = await school.book(course["id"], "came@school.example.org")
    away = await school.book(course["id"], "stayed.away@school.example.org")
    course_url = f"/admin/courses/{course['id']}"
    before = await browser.get(course_url)
    assert "Register for session 1" not in before.text
    token = csrf((await browser.get(f"/admin/{alliance.alliance_id}/staff")).text)
    early = await browser.post(
        f"{course_url}/register/0", data={"csrf_token": token, "attended": came["id"]}
    )
    assert early.status_code == 409
    assert summary(early.text) == ["a session's register opens when the session starts"]
    assert ticked(early.text) == {came["id"]: True, away["id"]: False}  # as they were ticked

    clock.advance(timedelta(days=60, hours=1))
    started = await browser.get(course_url)
    assert "Register for session 1" in started.text and "Close the register" not in started.text
    register = await browser.get(f"{course_url}/register/0")
    assert ticked(register.text) == {came["id"]: True, away["id"]: True}
    taken = await browser.post(
        f"{course_url}/register/0", data={"csrf_token": token, "attended": came["id"]}
    )
    assert taken.status_code == 303
    assert "1 attended, 1 absent" in (await browser.get(taken.headers["location"])).text
    reopened = await browser.get(f"{course_url}/register/0")
    assert ticked(reopened.text) == {came["id"]: True, away["id"]: False}
    saved = await alliance.api.get(
        f"/courses/{course['id']}/sessions/0/register", headers=alliance.admin
    )
    assert {m["booking_id"]: m["attended"] for m in saved.json()["marks"]} == {
        came["id"]: True,
        away["id"]: False,
    }
    too_soon = await browser.post(f"{course_url}/complete", data={"csrf_token": token})
    assert too_soon.status_code == 409
    assert "The register closes after the last session has ended." in too_soon.text

    clock.advance(timedelta(hours=3))
    confirm = await browser.get(f"{course_url}/complete")
    assert "No-shows pay the course" in confirm.text
    closed = await browser.post(f"{course_url}/complete", data={"csrf_token": token})
    assert closed.status_code == 303
    settled = await alliance.api.get(f"/bookings?course={course['id']}", headers=alliance.admin)
    statuses = {b["participant"]["email"]: b["status"] for b in settled.json()["items"]}
    assert statuses == {
        "came@school.example.org": "attended",
        "stayed.away@school.example.org": "no_show",
    }
