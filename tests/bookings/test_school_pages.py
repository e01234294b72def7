"""The participant's and the school CPD lead's pages, signed in through the real local OpenID
provider: what each sees, what each may do (and what someone else may not), the fee shown
before a cancellation, field-by-field errors, CSRF on every form."""

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx

from shared.clock import MovableClock
from tests.bookings.conftest import Alliance, School, course_body
from tests.support.signin import sign_in


def csrf(html: str) -> str:
    """The CSRF token of the page's first form in main (the header has the sign-out form)."""
    found = re.search(r'name="csrf_token" value="([^"]*)"', html[html.find("<main") :])
    assert found, "no form in main"
    return found.group(1)


@asynccontextmanager
async def signed_in(api: httpx.AsyncClient, email: str) -> AsyncIterator[httpx.AsyncClient]:
    """``api`` with ``email`` signed in (the test client is shared: signed out afterwards)."""
    back = await sign_in(api, email)
    assert back.status_code == 303, back.text
    try:
        yield api
    finally:
        api.cookies.clear()


async def booking_of(alliance: Alliance, booking_id: str) -> dict[str, Any]:
    answer = await alliance.api.get(f"/bookings/{booking_id}", headers=alliance.admin)
    assert answer.status_code == 200, answer.text
    return answer.json()


async def test_the_cpd_lead_approves_and_declines_from_the_queue(alliance: Alliance) -> None:
    school = await alliance.school(requires_approval=True)
    course = await alliance.course(title="Phonics that sticks")
    asks = [
        await school.book(course["id"], f"asker{i}@{school.urn}.example.org", headers=h)
        for i, h in enumerate(
            [school.participant(f"asker{i}@{school.urn}.example.org") for i in range(2)]
        )
    ]
    assert {a["status"] for a in asks} == {"awaiting_approval"}
    async with signed_in(alliance.api, school.lead_email) as browser:
        listing = await browser.get(f"/school/{school.urn}/bookings")
        assert listing.status_code == 200
        assert "2 bookings waiting for your approval" in listing.text
        assert "Phonics that sticks" in listing.text
        queue = await browser.get(f"/school/{school.urn}/approvals")
        assert queue.status_code == 200
        for ask in asks:
            assert f"/places/{ask['id']}/approve" in queue.text
        token = csrf(queue.text)

        forged = await browser.post(
            f"/places/{asks[0]['id']}/approve", data={"csrf_token": "1.forged"}
        )
        assert forged.status_code == 403
        assert "You cannot do this" in forged.text  # a page, not JSON
        assert (await booking_of(alliance, asks[0]["id"]))["status"] == "awaiting_approval"

        approved = await browser.post(
            f"/places/{asks[0]['id']}/approve",
            data={"csrf_token": token, "next": f"/school/{school.urn}/approvals"},
        )
        assert approved.status_code == 303
        assert approved.headers["location"] == f"/school/{school.urn}/approvals?done=approved"
        assert (await booking_of(alliance, asks[0]["id"]))["status"] == "confirmed"

        form = await browser.get(
            f"/places/{asks[1]['id']}/decline?next=/school/{school.urn}/approvals"
        )
        assert form.status_code == 200
        no_reason = await browser.post(
            f"/places/{asks[1]['id']}/decline",
            data={"csrf_token": csrf(form.text), "reason": "   ", "next": "/"},
        )
        assert no_reason.status_code == 422
        assert "There is a problem" in no_reason.text
        assert 'href="#reason"' in no_reason.text
        assert (await booking_of(alliance, asks[1]["id"]))["status"] == "awaiting_approval"
        declined = await browser.post(
            f"/places/{asks[1]['id']}/decline",
            data={
                "csrf_token": csrf(form.text),
                "reason": "No cover that week",
                "next": f"/school/{school.urn}/approvals",
            },
        )
        assert declined.status_code == 303
        after = await booking_of(alliance, asks[1]["id"])
        assert (after["status"], after["status_reason"]) == ("declined", "No cover that week")
        empty = await browser.get(declined.headers["location"])
        assert "Nothing is waiting for your approval" in empty.text
        assert "The booking is declined" in empty.text


async def test_another_school_or_participant_sees_nothing(alliance: Alliance) -> None:
    school, other = await alliance.school(), await alliance.school()
    course = await alliance.course()
    mine = await school.book(course["id"], f"kept.private@{school.urn}.example.org")
    theirs = await other.book(course["id"], f"someone@{other.urn}.example.org")
    async with signed_in(alliance.api, other.lead_email) as browser:
        for path in (f"/school/{school.urn}/bookings", f"/school/{school.urn}/approvals"):
            refused = await browser.get(path)
            assert refused.status_code == 403
            assert "kept.private" not in refused.text
            assert "text/html" in refused.headers["content-type"]
        for path in ("", "/cancel", "/substitute", "/decline", "/evaluation"):
            hidden = await browser.get(f"/places/{mine['id']}{path}")
            assert hidden.status_code == 404, path
            assert "kept.private" not in hidden.text
        own = await browser.get(f"/places/{theirs['id']}/cancel")
        assert own.status_code == 200
        for action in ("cancel", "approve", "substitute", "accept-offer"):
            refused = await browser.post(
                f"/places/{mine['id']}/{action}",
                data={"csrf_token": csrf(own.text), "expected_fee_pence": "0", "name": "X"},
            )
            assert refused.status_code == 404, action
    assert (await booking_of(alliance, mine["id"]))["status"] == "confirmed"
    async with signed_in(alliance.api, f"someone@{other.urn}.example.org") as browser:
        assert (await browser.get(f"/places/{mine['id']}")).status_code == 404
        listed = await browser.get("/places")
        assert f"/places/{theirs['id']}" in listed.text
        assert f"/places/{mine['id']}" not in listed.text
        assert (await browser.get(f"/school/{other.urn}/bookings")).status_code == 403
    assert (await alliance.api.get("/places/not-a-booking")).status_code == 303  # sign in first


async def test_cancelling_shows_the_fee_before_confirming(
    alliance: Alliance, clock: MovableClock
) -> None:
    school = await alliance.school()
    start = clock.now() + timedelta(days=9)
    sessions = [
        {
            "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(hours=3)).isoformat(),
            "venue": "The Hub, Gloucester",
        }
    ]
    body = course_body(sessions=sessions, booking_closes_at=(start - timedelta(days=1)).isoformat())
    created = await alliance.api.post("/courses", json=body, headers=alliance.admin)
    course_id = created.json()["id"]
    await alliance.api.post(f"/courses/{course_id}/publish", headers=alliance.admin)
    email = f"leaving@{school.urn}.example.org"
    booked = await school.book(course_id, email)
    async with signed_in(alliance.api, email) as browser:
        page = await browser.get(f"/places/{booked['id']}")
        assert f"/places/{booked['id']}/cancel" in page.text
        confirm = await browser.get(f"/places/{booked['id']}/cancel")
        assert confirm.status_code == 200
        assert "£45.00" in confirm.text  # 50% of £90 with under 10 working days' notice
        assert (await booking_of(alliance, booked["id"]))["status"] == "confirmed"
        stale = await browser.post(
            f"/places/{booked['id']}/cancel",
            data={"csrf_token": csrf(confirm.text), "expected_fee_pence": "0"},
        )
        assert stale.status_code == 409
        assert "fee has changed" in stale.text
        assert (await booking_of(alliance, booked["id"]))["status"] == "confirmed"
        done = await browser.post(
            f"/places/{booked['id']}/cancel",
            data={
                "csrf_token": csrf(confirm.text),
                "expected_fee_pence": "4500",
                "reason": "Moved school",
            },
        )
        assert done.status_code == 303
        assert done.headers["location"] == f"/places/{booked['id']}?done=cancelled"
        shown = await browser.get(done.headers["location"])
        assert "The place is cancelled" in shown.text
        assert "Fee charged" in shown.text
    after = await booking_of(alliance, booked["id"])
    assert (after["status"], after["fee_pence"], after["cancelled_by"]) == (
        "cancelled",
        4500,
        "participant",
    )


async def test_a_participant_accepts_an_offered_place(alliance: Alliance) -> None:
    school = await alliance.school()
    course = await alliance.course(capacity=1)
    first = await school.book(course["id"])
    second = await school.book(course["id"], f"next.in.line@{school.urn}.example.org")
    assert second["status"] == "waitlisted"
    cancelled = await alliance.api.post(f"/bookings/{first['id']}/cancel", headers=school.lead)
    assert cancelled.status_code == 200
    assert (await booking_of(alliance, second["id"]))["status"] == "offered"
    async with signed_in(alliance.api, f"next.in.line@{school.urn}.example.org") as browser:
        page = await browser.get(f"/places/{second['id']}")
        assert "Accept the place" in page.text
        assert (await browser.get(f"/places/{second['id']}/decline-offer")).status_code == 200
        accepted = await browser.post(
            f"/places/{second['id']}/accept-offer", data={"csrf_token": csrf(page.text)}
        )
        assert accepted.status_code == 303
        assert "The place is accepted" in (await browser.get(accepted.headers["location"])).text
    assert (await booking_of(alliance, second["id"]))["status"] == "confirmed"


async def test_the_lead_substitutes_with_errors_field_by_field(alliance: Alliance) -> None:
    school = await alliance.school()
    course = await alliance.course()
    booked = await school.book(course["id"], f"first@{school.urn}.example.org")
    async with signed_in(alliance.api, school.lead_email) as browser:
        form = await browser.get(f"/places/{booked['id']}/substitute")
        assert form.status_code == 200
        bad = await browser.post(
            f"/places/{booked['id']}/substitute",
            data={"csrf_token": csrf(form.text), "name": "", "email": "not-an-email"},
        )
        assert bad.status_code == 422
        assert "Enter the substitute&#39;s full name" in bad.text
        assert "Enter the substitute&#39;s email address in the correct format" in bad.text
        assert 'href="#name"' in bad.text and 'href="#email"' in bad.text
        same = await browser.post(
            f"/places/{booked['id']}/substitute",
            data={
                "csrf_token": csrf(form.text),
                "name": "Same Person",
                "email": f"first@{school.urn}.example.org",
            },
        )
        assert same.status_code == 422
        assert "same person" in same.text
        done = await browser.post(
            f"/places/{booked['id']}/substitute",
            data={
                "csrf_token": csrf(form.text),
                "name": "Robin Instead",
                "email": f"robin@{school.urn}.example.org",
                "role": "Teaching assistant",
            },
        )
        assert done.status_code == 303
    after = await booking_of(alliance, booked["id"])
    assert after["participant"]["email"] == f"robin@{school.urn}.example.org"
    assert after["url"].endswith(f"/places/{booked['id']}")


async def test_a_participant_asks_for_a_place_that_goes_to_the_cpd_lead(
    alliance: Alliance,
) -> None:
    school: School = await alliance.school(requires_approval=True)
    email = f"keen@{school.urn}.example.org"
    earlier = await alliance.course(title="The first course")
    await school.book(earlier["id"], email)  # by the lead: the participant is known here now
    course = await alliance.course(title="The next course")
    async with signed_in(alliance.api, email) as browser:
        page = await browser.get(f"/catalogue/{course['id']}")
        assert "Ask for a place" in page.text
        key = re.search(r'name="idempotency_key" value="([^"]*)"', page.text)
        assert key
        asked = await browser.post(
            f"/catalogue/{course['id']}/book",
            data={
                "csrf_token": csrf(page.text),
                "idempotency_key": key.group(1),
                "participant_name": "Kim Keen",
                "participant_email": email,
            },
        )
        assert asked.status_code == 200, asked.text
        assert "Waiting for approval" in asked.text
        mine = await browser.get("/places")
        assert "The next course" in mine.text and "The first course" in mine.text
    listed = await alliance.api.get(f"/bookings?course={course['id']}", headers=alliance.admin)
    assert [b["status"] for b in listed.json()["items"]] == ["awaiting_approval"]


async def test_the_evaluation_link_opens_a_form_that_records_it(
    alliance: Alliance, clock: MovableClock
) -> None:
    school = await alliance.school()
    course = await alliance.course()
    email = f"attender@{school.urn}.example.org"
    booked = await school.book(course["id"], email)
    async with signed_in(alliance.api, email) as browser:
        early = await browser.get(f"/places/{booked['id']}/evaluation")
        assert early.status_code == 200
        refused = await browser.post(
            f"/places/{booked['id']}/evaluation",
            data={"csrf_token": csrf(early.text), "rating": "5"},
        )
        assert refused.status_code == 409
        assert "after its last session" in refused.text
    clock.advance(timedelta(days=60, hours=1))  # the session has started: its register opens
    register = {"marks": [{"booking_id": booked["id"], "attended": True}]}
    taken = await alliance.api.put(
        f"/courses/{course['id']}/sessions/0/register", json=register, headers=alliance.admin
    )
    assert taken.status_code == 200, taken.text
    clock.advance(timedelta(days=1))
    completed = await alliance.api.post(f"/courses/{course['id']}/complete", headers=alliance.admin)
    assert completed.status_code == 200, completed.text
    async with signed_in(alliance.api, email) as browser:
        page = await browser.get(f"/places/{booked['id']}")
        assert "certificate.pdf?sig=" in page.text
        certificate = re.search(r'href="(http[^"]*certificate\.pdf\?sig=[0-9a-f]+)"', page.text)
        assert certificate
        link = urlsplit(certificate.group(1).replace("&amp;", "&"))
        pdf = await browser.get(f"{link.path}?{link.query}")
        assert pdf.content.startswith(b"%PDF")
        form = await browser.get(f"/places/{booked['id']}/evaluation")
        missing = await browser.post(
            f"/places/{booked['id']}/evaluation",
            data={"csrf_token": csrf(form.text), "comments": "Useful"},
        )
        assert missing.status_code == 422
        assert "Choose a rating" in missing.text
        sent = await browser.post(
            f"/places/{booked['id']}/evaluation",
            data={"csrf_token": csrf(form.text), "rating": "4", "comments": "Useful"},
        )
        assert sent.status_code == 303
    summary = await alliance.api.get(f"/courses/{course['id']}/evaluations", headers=alliance.admin)
    assert summary.json()["ratings"]["4"] == 1
