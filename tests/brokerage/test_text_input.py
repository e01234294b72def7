"""Text people type never carries control characters into the store: a line break in a name,
an escape in a reason, is a 422 naming the field (a GOV.UK error on the form), and nothing is
written; line breaks in free text are kept."""

from typing import Any

import httpx
import pytest

from tests.brokerage.helpers import Brokerage, request_body, school_token
from tests.brokerage.test_form import Page, filled, open_form

HEADER_INJECTION = "Sam Contact\r\nBcc: everyone@example.org"


def fields_of(response: httpx.Response) -> dict[str, str]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    return {e["field"]: e["message"] for e in response.json()["errors"]}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("school_name", "Hillview\nPrimary"),
        ("contact_name", HEADER_INJECTION),
        ("contact_role", "Head\x00teacher"),
        ("timing", "Spring\rterm"),
        ("needs", "Phonics\x1b[31m"),
        ("outcomes", "Reading\x07"),
        ("alliance_id", "tsa\u2028x"),
    ],
)
async def test_a_json_request_with_a_control_character_is_refused_by_field(
    brokerage: Brokerage, field: str, value: str
) -> None:
    alliance = await brokerage.alliance()
    body = {**request_body(alliance.id), field: value}
    errors = fields_of(await brokerage.client.post("/support-requests", json=body))
    assert list(errors) == [field]
    assert "control characters" in errors[field]
    listed = await brokerage.client.get("/support-requests", headers=alliance.staff)
    assert listed.json() == []


async def test_free_text_keeps_its_line_breaks(brokerage: Brokerage) -> None:
    alliance = await brokerage.alliance()
    needs = "Phonics in Reception.\r\n\tAnd in Year 1."
    submitted = await brokerage.submit(alliance, needs=needs, contact_name="  Sam Contact ")
    shown = await brokerage.client.get(
        f"/support-requests/{submitted['id']}", headers=alliance.staff
    )
    assert shown.json()["needs"] == needs
    assert shown.json()["contact_name"] == "Sam Contact"


async def test_the_form_shows_a_line_break_in_a_name_as_a_field_error(
    brokerage: Brokerage,
) -> None:
    alliance = await brokerage.alliance()
    page = await open_form(brokerage.client, alliance)
    data = filled(page, alliance, contact_name=HEADER_INJECTION, needs="Phonics\x00")
    response = await brokerage.client.post("/support-requests", data=data)
    assert response.status_code == 422
    shown = Page(response.text)
    assert shown.one("div", role="alert")
    links = [a["href"] for a in shown.all("a")]
    assert "#contact_name" in links and "#needs" in links
    assert shown.one("p", id="contact_name-error")
    assert "contact's name must be on one line" in shown.plain
    assert "support needed must not contain special characters" in shown.plain
    listed = await brokerage.client.get("/support-requests", headers=alliance.staff)
    assert listed.json() == []


async def test_directory_names_are_single_lines(brokerage: Brokerage) -> None:
    alliance = await brokerage.alliance()
    client, staff = brokerage.client, alliance.staff
    put = await client.put(
        f"/alliances/{alliance.id}",
        json={
            "name": "Odyssey\nTSA",
            "region": "Glos\r",
            "coordinators": [{"name": "Cora\x1bOrdinator", "email": "cora@tsa.example.org"}],
        },
        headers=alliance.admin,
    )
    assert set(fields_of(put)) == {"name", "coordinators.0.name"}  # a trailing CR is stripped
    sle = await brokerage.sle(alliance)
    base = {
        "name": "Nia\nLink",
        "email": "nia@school.example.org",
        "home_school_urn": brokerage.urn(),
        "home_school_name": "Beech\rPrimary",
        "home_head_name": "Hilary\x00Head",
        "home_head_email": "head@beech.example.org",
        "phases": ["primary"],
        "specialisms": ["mathematics"],
        "days_available": 10,
        "region": "Glou\u0085cestershire",
    }
    created = await client.post("/sles", json=base, headers=staff)
    expected = {"name", "home_school_name", "home_head_name", "region"}
    assert set(fields_of(created)) == expected
    patched = await client.patch(f"/sles/{sle['id']}", json={"name": "A\nB"}, headers=staff)
    assert set(fields_of(patched)) == {"name"}
    listed = await client.get("/sles", headers=staff)
    assert [s["name"] for s in listed.json()] == [sle["name"]]


async def test_reasons_and_notes_refuse_control_characters(brokerage: Brokerage) -> None:
    alliance = await brokerage.alliance()
    sle = await brokerage.sle(alliance)
    submitted = await brokerage.submit(alliance)
    rid, staff = submitted["id"], alliance.staff
    token = school_token(submitted)
    bad = "Budget\x1b[2J cut"

    async def refused(step: str, field: str, headers: dict[str, str], **body: Any) -> None:
        response = await brokerage.act(rid, step, headers, **{field: bad}, **body)
        assert list(fields_of(response)) == [field], step

    # The body is checked before anything else, whatever state the request is in.
    await refused("triage", "note", staff)
    await refused("triage", "region", staff)
    await refused("cancellation", "reason", staff)
    await refused("unmatched", "reason", staff)
    await refused("withdrawal", "reason", {}, school_token=token)
    await refused("sle-decline", "reason", brokerage.sle_auth(alliance, sle))
    await refused("visits", "summary", staff, visit_date="2026-02-02", days=1)
    await refused("evaluation", "comments", {}, school_token=token, rating=4)
    state = await brokerage.client.get(f"/support-requests/{rid}", headers=staff)
    assert state.json()["status"] == "submitted"
    assert state.json()["triage_note"] is None and state.json()["exit_reason"] is None


async def test_the_schools_page_refuses_a_reason_with_control_characters(
    brokerage: Brokerage,
) -> None:
    alliance = await brokerage.alliance()
    submitted = await brokerage.submit(alliance)
    rid, token = submitted["id"], school_token(submitted)
    page = Page(
        (
            await brokerage.client.get(f"/support-requests/{rid}/school", params={"token": token})
        ).text
    )
    csrf_token = page.all("input", name="csrf_token")[0]["value"]
    response = await brokerage.client.post(
        f"/support-requests/{rid}/school",
        data={"token": token, "action": "withdraw", "reason": "No\x00", "csrf_token": csrf_token},
    )
    assert response.status_code == 422
    assert "reason must be plain text" in Page(response.text).plain
    state = await brokerage.client.get(f"/support-requests/{rid}", headers=alliance.staff)
    assert state.json()["status"] == "submitted"
