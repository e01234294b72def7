"""Every lifecycle path through the HTTP API, the events each one puts on the topic (once
each), and every illegal transition answered with a 409 that names the current state."""

from typing import Any

import pytest

from services.brokerage.domain.lifecycle import TRANSITIONS, Action, Status
from tests.brokerage.helpers import AGREEMENT, Alliance, Brokerage, events_for, school_token, types

STEP_OF: dict[Action, tuple[str, dict[str, Any]]] = {
    Action.TRIAGE: ("triage", {}),
    Action.START_MATCHING: ("matching", {}),
    Action.PROPOSE: ("proposal", {}),  # sle_id filled in per test
    Action.SLE_ACCEPT: ("sle-acceptance", {}),
    Action.SLE_DECLINE: ("sle-decline", {}),
    Action.SCHOOL_CONFIRM: ("school-confirmation", {}),
    Action.HOME_RELEASE: ("home-school-release", {}),
    Action.AGREE: ("deployment", AGREEMENT),
    Action.LOG_VISIT: ("visits", {"visit_date": "2026-02-02", "days": 0.5}),
    Action.COMPLETE: ("completion", {}),
    Action.EVALUATE: ("evaluation", {"rating": 4}),
    Action.WITHDRAW: ("withdrawal", {}),
    Action.CANCEL: ("cancellation", {}),
    Action.MARK_UNMATCHED: ("unmatched", {}),
}


async def sle_days(brokerage: Brokerage, alliance: Alliance, sle: dict[str, Any]) -> float:
    response = await brokerage.client.get(f"/sles/{sle['id']}", headers=alliance.staff)
    return response.json()["days_committed"]


async def test_the_whole_way_to_evaluated_publishes_each_event_once(brokerage: Brokerage) -> None:
    alliance = await brokerage.alliance()
    sle = await brokerage.sle(alliance, specialisms=["mathematics", "send"], days_available=8)
    submitted = await brokerage.submit(alliance)
    assert submitted["reference"].startswith("SR-20")
    rid = submitted["id"]

    state = await brokerage.drive(alliance, submitted, sle, "accepted")
    assert state["confirmations"] == ["home_released", "school_confirmed", "sle_accepted"]
    state = await brokerage.ok(rid, "deployment", alliance.staff, **AGREEMENT)
    assert state["deployment"]["brokerage_fee_pence"] == 10_500  # 10% of 3 days at £350
    assert await sle_days(brokerage, alliance, sle) == 3
    sle_headers = brokerage.sle_auth(alliance, sle)
    for day in ("2026-01-19", "2026-02-02"):
        state = await brokerage.ok(rid, "visits", sle_headers, visit_date=day, days=1)
    assert state["status"] == "active" and state["deployment"]["days_delivered"] == 2
    state = await brokerage.ok(rid, "completion", alliance.staff)
    assert state["deployment"]["days_released"] == 1
    assert await sle_days(brokerage, alliance, sle) == 2  # the undelivered day goes back
    token = school_token(submitted)
    state = await brokerage.ok(rid, "evaluation", {}, school_token=token, rating=5)
    assert state["status"] == "evaluated" and state["allowed_actions"] == []

    records = await events_for(brokerage.stack, rid, 13)
    assert types(records) == [
        "request_submitted",
        "request_triaged",
        "sle_proposed",
        "party_confirmed",
        "party_confirmed",
        "party_confirmed",
        "sle_accepted",
        "deployment_agreed",
        "visit_logged",
        "visit_logged",
        "request_completed",
        "deployment_settled",
        "request_evaluated",
    ]
    assert len({r.headers for r in records}) == 13  # thirteen distinct events, none repeated
    import json

    first = json.loads(records[0].value)
    assert first["request"]["coordinators"][0]["email"] == "cora@tsa.example.org"
    assert first["request"]["contact"]["email"] == "sam@hillview.example.org"
    # The school's link travels sealed for notifications, never usable as it stands.
    assert first["school_manage_url"] is None and first["school_link_sealed"]
    assert submitted["school_manage_url"].split("token=")[1] not in records[0].value.decode()
    proposed = json.loads(records[2].value)
    assert proposed["sle"]["home_head"]["email"] == "head@beech.example.org"
    assert proposed["rank"] == 1 and proposed["reasons"]
    confirmations = [json.loads(r.value) for r in records[3:6]]
    assert [c["party"] for c in confirmations] == ["sle", "school", "home_school"]
    assert [c["awaiting"] for c in confirmations] == [
        ["school", "home_school"],
        ["home_school"],
        [],
    ]
    agreed = json.loads(records[7].value)
    assert agreed["deployment"]["days"] == 3 and agreed["deployment"]["day_rate_pence"] == 35_000
    assert json.loads(records[9].value)["days_delivered"] == 2
    settled = json.loads(records[11].value)
    # 2 of 3 days delivered at £350; the fee is 10% of those 2 days, not of the 3 agreed.
    assert (settled["sle_days_pence"], settled["brokerage_fee_pence"]) == (70_000, 7_000)
    evaluated = json.loads(records[12].value)
    assert evaluated["rating"] == 5 and evaluated["evaluated_by"] == "school"


async def test_a_decline_returns_to_matching_and_the_sle_leaves_the_shortlist(
    brokerage: Brokerage,
) -> None:
    alliance = await brokerage.alliance()
    first = await brokerage.sle(alliance, name="Ada First", specialisms=["mathematics", "send"])
    second = await brokerage.sle(alliance, name="Bea Second")
    submitted = await brokerage.submit(alliance)
    rid = submitted["id"]
    await brokerage.drive(alliance, submitted, first, "proposed")
    # The school's confirmation is forgotten when the SLE declines.
    await brokerage.ok(rid, "school-confirmation", {}, school_token=school_token(submitted))
    state = await brokerage.ok(
        rid, "sle-decline", brokerage.sle_auth(alliance, first), reason="No capacity this term"
    )
    assert state["status"] == "matching"
    assert state["confirmations"] == [] and state["declined_sle_ids"] == [first["id"]]

    shortlist = await brokerage.client.get(
        f"/support-requests/{rid}/shortlist", headers=alliance.staff
    )
    assert [e["sle_id"] for e in shortlist.json()["entries"]] == [second["id"]]
    again = await brokerage.act(rid, "proposal", alliance.staff, sle_id=first["id"])
    assert again.status_code == 409
    state = await brokerage.ok(rid, "proposal", alliance.staff, sle_id=second["id"])
    assert state["status"] == "proposed" and state["proposal"]["sle_name"] == "Bea Second"

    records = await events_for(brokerage.stack, rid, 6)
    assert types(records) == [
        "request_submitted",
        "request_triaged",
        "sle_proposed",
        "party_confirmed",
        "sle_declined",
        "sle_proposed",
    ]


async def test_withdrawal_by_the_school_releases_the_undelivered_days(brokerage: Brokerage) -> None:
    alliance = await brokerage.alliance()
    sle = await brokerage.sle(alliance, days_available=5)
    submitted = await brokerage.submit(alliance)
    rid = submitted["id"]
    await brokerage.drive(alliance, submitted, sle, "active")  # 3 agreed, 1 delivered
    assert await sle_days(brokerage, alliance, sle) == 3

    wrong = await brokerage.act(rid, "withdrawal", {}, school_token="not-the-token")
    assert wrong.status_code == 403
    state = await brokerage.ok(
        rid, "withdrawal", {}, school_token=school_token(submitted), reason="New headteacher"
    )
    assert state["status"] == "withdrawn" and state["exit_reason"] == "New headteacher"
    assert state["deployment"]["status"] == "cancelled"
    assert state["deployment"]["days_released"] == 2
    assert await sle_days(brokerage, alliance, sle) == 1

    # submitted, triaged, proposed, 3 confirmations, accepted, agreed, a visit, then these two
    records = await events_for(brokerage.stack, rid, 11)
    assert types(records)[-2:] == ["request_withdrawn", "deployment_settled"]
    import json

    settled = json.loads(records[-1].value)
    # 1 of 3 days delivered at £350, and 10% of that day: the fee follows the days delivered.
    assert (settled["outcome"], settled["days_delivered"]) == ("withdrawn", 1)
    assert (settled["sle_days_pence"], settled["brokerage_fee_pence"]) == (35_000, 3_500)
    withdrawn = json.loads(records[-2].value)
    assert withdrawn["days_released"] == 2 and withdrawn["sle"]["sle_id"] == sle["id"]


async def test_cancellation_by_the_coordinator_before_any_sle(brokerage: Brokerage) -> None:
    alliance = await brokerage.alliance()
    submitted = await brokerage.submit(alliance)
    state = await brokerage.ok(submitted["id"], "cancellation", alliance.staff, reason="Duplicate")
    assert state["status"] == "cancelled"
    records = await events_for(brokerage.stack, submitted["id"], 2)
    assert types(records) == ["request_submitted", "request_cancelled"]


async def test_cancellation_after_agreement_releases_all_days(brokerage: Brokerage) -> None:
    alliance = await brokerage.alliance()
    sle = await brokerage.sle(alliance, days_available=4)
    submitted = await brokerage.submit(alliance)
    await brokerage.drive(alliance, submitted, sle, "agreed")
    assert await sle_days(brokerage, alliance, sle) == 3
    state = await brokerage.ok(submitted["id"], "cancellation", alliance.staff)
    assert state["deployment"]["days_released"] == 3
    assert await sle_days(brokerage, alliance, sle) == 0


async def test_unmatched_when_no_sle_can_help(brokerage: Brokerage) -> None:
    alliance = await brokerage.alliance()
    submitted = await brokerage.submit(alliance)
    rid = submitted["id"]
    await brokerage.ok(rid, "triage", alliance.staff)
    await brokerage.ok(rid, "matching", alliance.staff)
    shortlist = await brokerage.client.get(
        f"/support-requests/{rid}/shortlist", headers=alliance.staff
    )
    assert shortlist.json()["entries"] == []
    state = await brokerage.ok(rid, "unmatched", alliance.staff, reason="No SLE in phonics")
    assert state["status"] == "unmatched"


REACHABLE = [
    "submitted",
    "triaged",
    "matching",
    "proposed",
    "accepted",
    "agreed",
    "active",
    "completed",
    "evaluated",
]


async def request_in(
    brokerage: Brokerage, alliance: Alliance, sle: dict[str, Any], status: str
) -> dict[str, Any]:
    submitted = await brokerage.submit(alliance, days=0.5)
    if status == "submitted":
        return submitted
    if status in ("withdrawn", "cancelled", "unmatched"):
        if status == "unmatched":
            await brokerage.drive(alliance, submitted, sle, "matching")
            await brokerage.ok(submitted["id"], "unmatched", alliance.staff)
        else:
            step = "withdrawal" if status == "withdrawn" else "cancellation"
            await brokerage.ok(submitted["id"], step, alliance.staff)
        return submitted
    await brokerage.drive(alliance, submitted, sle, status)
    return submitted


@pytest.mark.parametrize("status", [*REACHABLE, "withdrawn", "cancelled", "unmatched"])
async def test_every_illegal_transition_is_a_409_naming_the_current_state(
    brokerage: Brokerage, status: str
) -> None:
    alliance = await brokerage.alliance()
    sle = await brokerage.sle(alliance, days_available=50)
    submitted = await request_in(brokerage, alliance, sle, status)
    illegal = [a for a in Action if Status(status) not in TRANSITIONS[a][0]]
    assert illegal
    for action in illegal:
        step, body = STEP_OF[action]
        if action is Action.PROPOSE:
            body = {"sle_id": sle["id"]}
        response = await brokerage.act(submitted["id"], step, alliance.staff, **body)
        assert response.status_code == 409, f"{status} / {action}: {response.text}"
        problem = response.json()
        assert problem["current_status"] == status
        assert status in problem["detail"]
        assert response.headers["content-type"] == "application/problem+json"
    current = await brokerage.client.get(
        f"/support-requests/{submitted['id']}", headers=alliance.staff
    )
    assert current.json()["status"] == status
