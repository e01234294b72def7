"""Hardening: a school record cannot be taken over through membership, and text with control
characters is refused at input, field by field, before anything is written."""

import re
from typing import Any
from uuid import uuid4

import pytest

from tests.bookings.conftest import Alliance, course_body
from tests.support.signin import sign_in

ATTACKER = "attacker@evil.example.org"


async def test_membership_gives_a_price_not_control_of_the_school(
    alliance: Alliance, other_alliance: Alliance
) -> None:
    school = await alliance.school(requires_approval=True)
    api, urn = alliance.api, school.urn
    before = (await api.get(f"/schools/{urn}", headers=alliance.admin)).json()
    joined = await api.put(
        f"/alliances/{other_alliance.alliance_id}/members/{urn}", headers=other_alliance.admin
    )
    assert joined.status_code == 201  # any alliance may count the school as a member
    takeover = {
        "name": before["name"],
        "cpd_lead_name": "Not The Lead",
        "cpd_lead_email": ATTACKER,
        "requires_approval": False,
    }
    refused = await api.put(f"/schools/{urn}", json=takeover, headers=other_alliance.admin)
    assert refused.status_code == 403, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    after = (await api.get(f"/schools/{urn}", headers=alliance.admin)).json()
    assert after == {
        **before,
        "alliances": sorted([alliance.alliance_id, other_alliance.alliance_id]),
    }
    assert after["cpd_lead_email"] == school.lead_email and after["requires_approval"] is True

    # The member alliance still books at its member price, and approval still goes to the lead.
    course = await other_alliance.course()
    sam = "sam@school.example.org"
    booked = await school.book(course["id"], sam, headers=school.participant(sam))
    assert (booked["status"], booked["price_pence"]) == ("awaiting_approval", 9_000)

    # Those who keep the record can still change it: its own lead and the registering alliance.
    by_lead = await api.put(
        f"/schools/{urn}",
        json={**takeover, "cpd_lead_email": "new.lead@school.example.org"},
        headers=school.lead,
    )
    assert by_lead.status_code == 200, by_lead.text
    by_registrar = await api.put(
        f"/schools/{urn}",
        json={**takeover, "cpd_lead_email": school.lead_email},
        headers=alliance.admin,
    )
    assert by_registrar.status_code == 200, by_registrar.text


async def test_a_school_its_lead_registered_is_kept_by_its_lead_alone(
    alliance: Alliance,
) -> None:
    api = alliance.api
    urn = f"{uuid4().int % 900_000 + 100_000:06d}"
    lead = alliance.stack.auth(
        "school_lead", alliance.alliance_id, school_urn=urn, email="lead@own.example.org"
    )
    details = {
        "name": "Own School",
        "cpd_lead_name": "Own Lead",
        "cpd_lead_email": "lead@own.example.org",
    }
    assert (await api.put(f"/schools/{urn}", json=details, headers=lead)).status_code == 201
    joined = await api.put(
        f"/alliances/{alliance.alliance_id}/members/{urn}", headers=alliance.admin
    )
    assert joined.status_code == 201
    taken = await api.put(
        f"/schools/{urn}", json={**details, "cpd_lead_email": ATTACKER}, headers=alliance.admin
    )
    assert taken.status_code == 403
    assert (await api.get(f"/schools/{urn}", headers=lead)).json()["cpd_lead_email"] == (
        "lead@own.example.org"
    )


def _fields(response: Any) -> list[str]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    return [error["field"] for error in response.json()["errors"]]


CONTROL = ["Sam\r\nBcc: all@example.org", "Sam\nTeacher", "Sam\x00T", "Sam\u2028Teacher"]


@pytest.mark.parametrize("bad", CONTROL)
async def test_names_with_control_characters_are_refused_field_by_field(
    alliance: Alliance, bad: str
) -> None:
    course = await alliance.course()
    school = await alliance.school()
    api = alliance.api
    post = school.booking_body()
    post["participant"] = {**post["participant"], "name": bad, "role": f"Teacher {bad}"}
    post["booker_name"] = bad
    booked = await api.post(
        f"/courses/{course['id']}/bookings",
        json=post,
        headers={**school.lead, "Idempotency-Key": uuid4().hex},
    )
    assert sorted(_fields(booked)) == ["booker_name", "participant.name", "participant.role"]
    listed = await api.get(f"/bookings?course={course['id']}", headers=alliance.admin)
    assert listed.json()["total"] == 0

    body = course_body(title=f"Phonics{bad}", facilitator=bad)
    body["sessions"][0]["venue"] = f"Hall{bad}"
    created = await api.post("/courses", json=body, headers=alliance.admin)
    assert sorted(_fields(created)) == ["facilitator", "sessions.0.venue", "title"]
    patched = await api.patch(
        f"/courses/{course['id']}", json={"title": bad}, headers=alliance.admin
    )
    assert _fields(patched) == ["title"]

    school_body = {"name": bad, "cpd_lead_name": bad, "cpd_lead_email": "a@b.example.org"}
    put = await api.put(f"/schools/{school.urn}", json=school_body, headers=alliance.admin)
    assert sorted(_fields(put)) == ["cpd_lead_name", "name"]
    assert (await api.get(f"/schools/{school.urn}", headers=alliance.admin)).json()[
        "name"
    ] == f"School {school.urn}"


async def test_free_text_keeps_its_lines_but_no_other_control_characters(
    alliance: Alliance,
) -> None:
    course = await alliance.course(summary="Line one.\nLine two.\r\n\tIndented.")
    assert course["summary"] == "Line one.\nLine two.\r\n\tIndented."
    school = await alliance.school()
    booking = await school.book(course["id"])
    api = alliance.api
    for path, body, field in [
        (f"/bookings/{booking['id']}/cancel", {"reason": "ill\x07"}, "reason"),
        (f"/bookings/{booking['id']}/decline", {"reason": "no\x1b[31m"}, "reason"),
        (f"/courses/{course['id']}/cancel", {"reason": "closed\x00"}, "reason"),
    ]:
        assert _fields(await api.post(path, json=body, headers=alliance.admin)) == [field]
    sub = {"participant": {"name": "Robin\rNew", "email": "robin@school.example.org"}}
    substituted = await api.post(
        f"/bookings/{booking['id']}/substitute", json=sub, headers=school.lead
    )
    assert _fields(substituted) == ["participant.name"]
    post = school.booking_body()
    post["access_needs"] = "Step-free access\nand a hearing loop\x0b"
    booked = await api.post(
        f"/courses/{course['id']}/bookings",
        json=post,
        headers={**school.lead, "Idempotency-Key": uuid4().hex},
    )
    assert _fields(booked) == ["access_needs"]
    now = (await api.get(f"/bookings/{booking['id']}", headers=alliance.admin)).json()
    assert (now["status"], now["participant"]["name"]) == ("confirmed", "Sam Teacher")


def _field(html: str, name: str, after: str = "<main") -> str:
    """The value of a form field, in the page's main part (the header has its own form)."""
    found = re.search(rf'name="{name}" value="([^"]*)"', html[html.find(after) :])
    assert found, name
    return found.group(1)


async def test_the_booking_form_shows_control_characters_as_gov_uk_errors(
    alliance: Alliance,
) -> None:
    course = await alliance.course()
    school = await alliance.school()
    api = alliance.api
    try:
        signed = await sign_in(api, school.lead_email)
        assert signed.status_code == 303
        page = (await api.get(f"/catalogue/{course['id']}")).text
        form = {
            "csrf_token": _field(page, "csrf_token"),
            "idempotency_key": _field(page, "idempotency_key"),
            "participant_name": "Alex\r\nBcc: all@example.org",
            "participant_email": "alex@school.example.org",
            "participant_role": "Teacher",
            "access_needs": "Needs a ramp\x07",
        }
        refused = await api.post(f"/catalogue/{course['id']}/book", data=form)
        assert refused.status_code == 422
        html = refused.text
        assert "There is a problem" in html
        assert (
            '<a href="#participant_name">The participant&#39;s name must be one line of text'
            in html
        )
        assert '<a href="#access_needs">Access needs must not contain control characters' in html
        assert 'id="participant_name-error"' in html and 'id="access_needs-error"' in html
        assert "participant_email-error" not in html
    finally:
        api.cookies.clear()
    listed = await api.get(f"/bookings?course={course['id']}", headers=alliance.admin)
    assert listed.json()["total"] == 0
