"""The SLE directory, the ranked shortlist, days that are never over-committed under
concurrency, tenant isolation, who may act, and bad input as a 4xx problem."""

import asyncio
from typing import Any

import httpx

from tests.brokerage.helpers import AGREEMENT, Brokerage, request_body, school_token


async def test_directory_filters(brokerage: Brokerage) -> None:
    alliance = await brokerage.alliance()
    maths = await brokerage.sle(alliance, name="Mo Maths", specialisms=["mathematics"])
    send = await brokerage.sle(
        alliance, name="Sid Send", specialisms=["send"], phases=["secondary"], region="Stroud"
    )
    await brokerage.sle(alliance, name="Fay Few", specialisms=["send"], days_available=1)

    async def names(**params: Any) -> list[str]:
        response = await brokerage.client.get("/sles", params=params, headers=alliance.staff)
        assert response.status_code == 200, response.text
        return [s["name"] for s in response.json()]

    assert await names() == ["Fay Few", "Mo Maths", "Sid Send"]
    assert await names(specialism="send") == ["Fay Few", "Sid Send"]
    assert await names(phase="secondary") == ["Sid Send"]
    assert await names(region="stroud") == ["Sid Send"]
    assert await names(min_days_left=2, specialism="send") == ["Sid Send"]

    patched = await brokerage.client.patch(
        f"/sles/{maths['id']}",
        json={"status": "paused", "days_available": 12},
        headers=alliance.staff,
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["status"] == "paused" and patched.json()["days_left"] == 12
    assert await names(status="paused") == ["Mo Maths"]
    assert send["days_left"] == 10


async def test_the_shortlist_ranks_and_explains(brokerage: Brokerage) -> None:
    alliance = await brokerage.alliance()
    best = await brokerage.sle(alliance, name="Best Fit", specialisms=["mathematics", "send"])
    far = await brokerage.sle(
        alliance, name="Far Away", specialisms=["mathematics", "send"], region="Leicestershire"
    )
    partial = await brokerage.sle(alliance, name="Part Fit", specialisms=["send"])
    await brokerage.sle(
        alliance, name="Too Busy", specialisms=["mathematics", "send"], days_available=2
    )
    await brokerage.sle(
        alliance, name="Paused", specialisms=["mathematics", "send"], status="paused"
    )
    submitted = await brokerage.submit(alliance, days=3)
    response = await brokerage.client.get(
        f"/support-requests/{submitted['id']}/shortlist", headers=alliance.staff
    )
    assert response.status_code == 200, response.text
    entries = response.json()["entries"]
    # Fit with the areas of need weighs more than the region.
    assert [e["name"] for e in entries] == ["Best Fit", "Far Away", "Part Fit"]
    assert [e["rank"] for e in entries] == [1, 2, 3]
    assert [e["sle_id"] for e in entries] == [best["id"], far["id"], partial["id"]]
    assert entries[0]["score"] > entries[1]["score"] > entries[2]["score"]
    reasons = " | ".join(entries[1]["reasons"])
    assert "specialism fit: 2 of 2" in reasons and "not the school's region" in reasons
    assert any(r.startswith("current load") for r in entries[0]["reasons"])


async def test_concurrent_agreements_never_over_commit_an_sles_days(brokerage: Brokerage) -> None:
    alliance = await brokerage.alliance()
    sle = await brokerage.sle(alliance, days_available=5)
    requests = []
    for _ in range(10):
        submitted = await brokerage.submit(alliance, days=1)
        await brokerage.drive(alliance, submitted, sle, "accepted")
        requests.append(submitted["id"])

    agreement = {**AGREEMENT, "days": 1}
    responses = await asyncio.gather(
        *(brokerage.act(rid, "deployment", alliance.staff, **agreement) for rid in requests)
    )
    codes = sorted(r.status_code for r in responses)
    assert codes == [200] * 5 + [409] * 5, [r.text for r in responses]
    refused = [r.json() for r in responses if r.status_code == 409]
    assert all(p["title"] == "Not enough days" and p["days_left"] == 0 for p in refused)
    state = await brokerage.client.get(f"/sles/{sle['id']}", headers=alliance.staff)
    assert state.json()["days_committed"] == 5 and state.json()["days_left"] == 0
    assert state.json()["current_load"] == 5
    # Days cannot be taken below what is committed either.
    lower = await brokerage.client.patch(
        f"/sles/{sle['id']}", json={"days_available": 4}, headers=alliance.staff
    )
    assert lower.status_code == 409


async def test_tenant_isolation(brokerage: Brokerage) -> None:
    mine = await brokerage.alliance()
    theirs = await brokerage.alliance()
    sle = await brokerage.sle(theirs)
    submitted = await brokerage.submit(theirs)
    rid = submitted["id"]
    get = brokerage.client.get
    assert (await get(f"/support-requests/{rid}", headers=mine.staff)).status_code == 404
    assert (await get(f"/support-requests/{rid}/shortlist", headers=mine.staff)).status_code == 404
    assert (await brokerage.act(rid, "triage", mine.staff)).status_code == 404
    assert (await brokerage.act(rid, "cancellation", mine.staff)).status_code == 404
    assert (await get(f"/sles/{sle['id']}", headers=mine.staff)).status_code == 404
    patch = await brokerage.client.patch(
        f"/sles/{sle['id']}", json={"status": "inactive"}, headers=mine.staff
    )
    assert patch.status_code == 404
    assert (await get("/sles", headers=mine.staff)).json() == []
    assert (await get("/support-requests", headers=mine.staff)).json() == []
    listed = await get("/support-requests", params={"status": "submitted"}, headers=theirs.staff)
    assert [r["id"] for r in listed.json()] == [rid]
    other_admin = await brokerage.client.put(
        f"/alliances/{theirs.id}",
        json={"name": "x", "region": "y", "coordinators": [{"name": "a", "email": "a@b.org"}]},
        headers=mine.admin,
    )
    assert other_admin.status_code == 404
    # Their own SLE (by email) from another alliance's token cannot act either.
    await brokerage.drive(theirs, submitted, sle, "proposed")
    foreign_sle = brokerage.stack.auth("sle", mine.id, email=sle["email"])
    assert (await brokerage.act(rid, "sle-acceptance", foreign_sle)).status_code == 404


async def test_only_the_parties_may_act(brokerage: Brokerage) -> None:
    alliance = await brokerage.alliance()
    sle = await brokerage.sle(alliance)
    other = await brokerage.sle(alliance)
    submitted = await brokerage.submit(alliance)
    rid = submitted["id"]
    await brokerage.drive(alliance, submitted, sle, "proposed")
    stack = brokerage.stack

    assert (await brokerage.act(rid, "sle-acceptance")).status_code == 401
    assert (
        await brokerage.act(rid, "sle-acceptance", brokerage.sle_auth(alliance, other))
    ).status_code == 403
    assert (
        await brokerage.act(rid, "home-school-release", brokerage.head_auth(alliance, other))
    ).status_code == 403
    lead = stack.auth("school_lead", alliance.id, school_urn="999999")
    assert (await brokerage.act(rid, "triage", lead)).status_code == 403
    # The school's link confirms, but cannot accept on the SLE's behalf or cancel.
    token = school_token(submitted)
    assert (await brokerage.act(rid, "sle-acceptance", {}, school_token=token)).status_code in (
        401,
        422,
    )
    assert (await brokerage.act(rid, "cancellation", {}, school_token=token)).status_code in (
        401,
        422,
    )
    # The SLE may not agree its own deployment.
    sle_headers = brokerage.sle_auth(alliance, sle)
    assert (await brokerage.act(rid, "deployment", sle_headers, **AGREEMENT)).status_code == 403
    participant = stack.auth("participant", alliance.id)
    assert (await brokerage.client.get("/sles", headers=participant)).status_code == 403
    assert (await brokerage.client.get(f"/support-requests/{rid}")).status_code == 401


async def test_bad_input_is_a_4xx_problem_never_a_500(brokerage: Brokerage) -> None:
    alliance = await brokerage.alliance()
    sle = await brokerage.sle(alliance)
    submitted = await brokerage.submit(alliance)
    rid = submitted["id"]
    client: httpx.AsyncClient = brokerage.client
    staff = alliance.staff

    async def problem(response: httpx.Response, status: int) -> dict[str, Any]:
        assert response.status_code == status, response.text
        assert response.headers["content-type"] == "application/problem+json"
        return response.json()

    for field, value in [
        ("school_urn", "12345"),
        ("school_urn", "abcdef"),
        ("contact_email", "not-an-email"),
        ("days", 0),
        ("days", 1.25),
        ("days", "lots"),
        ("areas", []),
        ("areas", ["astrology"]),
        ("phase", "university"),
        ("funding_source", "lottery"),
        ("consent_to_share", False),
        ("needs", ""),
        ("needs", "x" * 5001),
    ]:
        body = request_body(alliance.id, **{field: value})
        found = await problem(await client.post("/support-requests", json=body), 422)
        assert any(e["field"].startswith(field) for e in found["errors"]), (field, found)
    unknown = await problem(
        await client.post("/support-requests", json=request_body("no-such-alliance")), 422
    )
    assert unknown["errors"][0]["field"] == "alliance_id"
    await problem(
        await client.post(
            "/support-requests", content=b"{not json", headers={"content-type": "application/json"}
        ),
        400,
    )
    await problem(
        await client.post(
            "/support-requests", content=b"[1,2]", headers={"content-type": "application/json"}
        ),
        422,
    )
    await problem(
        await client.post(
            "/support-requests", content=b'{"a": 1}', headers={"content-type": "text/plain"}
        ),
        415,
    )
    await problem(
        await client.post("/support-requests", json={**request_body(alliance.id), "extra": 1}), 422
    )

    big = b'{"needs": "' + b"x" * (70 * 1024) + b'"}'
    await problem(
        await client.post(
            "/support-requests", content=big, headers={"content-type": "application/json"}
        ),
        413,
    )

    async def chunks():  # no Content-Length: the streamed bytes are counted
        for _ in range(20):
            yield b"x" * 4096

    await problem(
        await client.post(
            "/support-requests", content=chunks(), headers={"content-type": "application/json"}
        ),
        413,
    )

    await problem(await client.get("/support-requests/not-a-uuid", headers=staff), 422)
    await problem(await client.get(f"/support-requests/{sle['id']}", headers=staff), 404)
    await problem(
        await client.get("/support-requests", params={"status": "nope"}, headers=staff), 422
    )
    await problem(await client.get("/sles", params={"specialism": "astrology"}, headers=staff), 422)
    await problem(await client.post("/sles", json={"name": "x"}, headers=staff), 422)
    await problem(
        await client.patch(f"/sles/{sle['id']}", json={"days_available": -1}, headers=staff), 422
    )
    await problem(await client.patch(f"/sles/{sle['id']}", json={"name": None}, headers=staff), 422)
    dup = {
        k: v
        for k, v in sle.items()
        if k
        in (
            "name",
            "email",
            "home_school_urn",
            "home_school_name",
            "home_head_name",
            "home_head_email",
            "phases",
            "specialisms",
            "days_available",
            "region",
        )
    }
    await problem(await client.post("/sles", json=dup, headers=staff), 409)

    await brokerage.ok(rid, "triage", staff)
    await brokerage.ok(rid, "matching", staff)
    await problem(await brokerage.act(rid, "proposal", staff, sle_id="not-a-uuid"), 422)
    await problem(await brokerage.act(rid, "proposal", staff, sle_id=submitted["id"]), 422)
    await problem(await brokerage.act(rid, "triage", staff, priority="whenever"), 422)
    bad_terms = [
        {**AGREEMENT, "days": 0.3},
        {**AGREEMENT, "ends_on": "2025-01-01"},
        {**AGREEMENT, "brokerage_fee_pence": 100},
        {k: v for k, v in AGREEMENT.items() if k != "brokerage_fee_percent"},
        {**AGREEMENT, "day_rate_pence": -5},
        {**AGREEMENT, "starts_on": "next week"},
    ]
    for terms in bad_terms:
        await problem(await brokerage.act(rid, "deployment", staff, **terms), 422)
    await problem(
        await client.post(
            f"/support-requests/{rid}/triage",
            content=b"nope",
            headers={**staff, "content-type": "application/json"},
        ),
        400,
    )
    await problem(await client.get("/sles", headers={"Authorization": "Bearer nonsense"}), 401)
