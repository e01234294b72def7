"""Staff management by an alliance's administrators, and a person's powers from data."""

import secrets

from tests.signin.conftest import HOST, PORTS, Services
from tests.support.signin import sign_in
from tests.support.stack import Stack
from tests.support.wait import eventually


def alliance() -> str:
    return f"alliance-{secrets.token_hex(3)}"


async def test_staff_invite_change_remove_and_the_last_administrator_stays(
    services: Services, stack: Stack
) -> None:
    a = alliance()
    admin = stack.auth("alliance_admin", a)
    async with services.client() as api:
        first = await api.post(
            f"/alliances/{a}/staff",
            json={"email": "Boss@Example.org", "role": "administrator"},
            headers=admin,
        )
        assert first.status_code == 201, first.text
        assert first.json()["email"] == "boss@example.org"
        again = await api.post(
            f"/alliances/{a}/staff",
            json={"email": "boss@example.org", "role": "coordinator"},
            headers=admin,
        )
        assert again.status_code == 409
        bad = await api.post(
            f"/alliances/{a}/staff", json={"email": "nope", "role": "king"}, headers=admin
        )
        assert bad.status_code == 422
        assert {e["field"] for e in bad.json()["errors"]} >= {"email", "role"}
        last = await api.delete(f"/alliances/{a}/staff/boss@example.org", headers=admin)
        assert last.status_code == 409
        demote = await api.put(
            f"/alliances/{a}/staff/boss@example.org", json={"role": "coordinator"}, headers=admin
        )
        assert demote.status_code == 409
        await api.post(
            f"/alliances/{a}/staff",
            json={"email": "co@example.org", "role": "coordinator"},
            headers=admin,
        )
        promoted = await api.put(
            f"/alliances/{a}/staff/co@example.org", json={"role": "administrator"}, headers=admin
        )
        assert promoted.json()["role"] == "administrator"
        assert (
            await api.delete(f"/alliances/{a}/staff/boss@example.org", headers=admin)
        ).status_code == 204
        listed = await api.get(f"/alliances/{a}/staff", headers=admin)
        assert [(m["email"], m["role"]) for m in listed.json()] == [
            ("co@example.org", "administrator")
        ]
        missing = await api.delete(f"/alliances/{a}/staff/ghost@example.org", headers=admin)
        assert missing.status_code == 404


async def test_staff_of_one_alliance_are_not_anothers_business(
    services: Services, stack: Stack
) -> None:
    a, b = alliance(), alliance()
    async with services.client() as api:
        await api.post(
            f"/alliances/{a}/staff",
            json={"email": "a@example.org", "role": "administrator"},
            headers=stack.auth("alliance_admin", a),
        )
        other = stack.auth("alliance_admin", b)
        assert (await api.get(f"/alliances/{a}/staff", headers=other)).status_code == 403
        refused = await api.post(
            f"/alliances/{a}/staff",
            json={"email": "x@example.org", "role": "administrator"},
            headers=other,
        )
        assert refused.status_code == 403
        coordinator = stack.auth("coordinator", a)
        assert (await api.get(f"/alliances/{a}/staff", headers=coordinator)).status_code == 403


async def test_a_signed_in_administrator_manages_staff_from_the_session(
    services: Services, stack: Stack
) -> None:
    a = alliance()
    email = f"admin-{a}@example.org"
    async with services.client() as browser:
        await browser.post(
            f"/alliances/{a}/staff",
            json={"email": email, "role": "administrator"},
            headers=stack.auth("alliance_admin", a),
        )
        assert (await browser.get(f"/alliances/{a}/staff")).status_code == 401
        await sign_in(browser, email)
        listed = await browser.get(f"/alliances/{a}/staff")
        assert listed.status_code == 200
        assert (await browser.get(f"/alliances/{alliance()}/staff")).status_code == 403
        start = await browser.get("/")
        assert f"Administrator of <strong>{a}</strong>" in start.text


async def test_staff_events_reach_notifications_and_brokerage(
    services: Services, stack: Stack
) -> None:
    a = alliance()
    email = f"coord-{a}@example.org"
    admin = stack.auth("alliance_admin", a)
    async with services.client() as browser:
        await browser.post(
            f"/alliances/{a}/staff",
            json={"email": "boss@example.org", "role": "administrator"},
            headers=admin,
        )
        await browser.post(
            f"/alliances/{a}/staff", json={"email": email, "role": "coordinator"}, headers=admin
        )
        await sign_in(browser, email)
        notifications = f"{HOST}:{PORTS['notifications']}/"

        async def page() -> str:
            return (await browser.get(notifications)).text

        brokerage = f"{HOST}:{PORTS['brokerage']}/"

        async def both() -> list[str]:
            return [(await browser.get(url)).text for url in (notifications, brokerage)]

        def coordinating(pages: list[str]) -> list[bool]:
            return [f"coordinator of {a}" in text for text in pages]

        await eventually(both, lambda p: coordinating(p) == [True, True], timeout=30)
        await browser.delete(f"/alliances/{a}/staff/{email}", headers=admin)
        await eventually(both, lambda p: coordinating(p) == [False, False], timeout=30)


async def test_a_cpd_lead_is_whoever_the_school_record_names(
    services: Services, stack: Stack
) -> None:
    a = alliance()
    urn = f"{secrets.randbelow(900_000) + 100_000}"
    admin = stack.auth("alliance_admin", a)
    old, new = f"old-{urn}@example.org", f"new-{urn}@example.org"

    def school(lead: str) -> dict:
        return {"name": "Test School", "cpd_lead_name": "Lead", "cpd_lead_email": lead}

    async with services.client() as api:
        made = await api.put(f"/schools/{urn}", json=school(old), headers=admin)
        assert made.status_code in (200, 201), made.text
    async with services.client() as first, services.client() as second:
        await sign_in(first, old)
        await sign_in(second, new)
        assert f"CPD lead of school <strong>{urn}" in (await first.get("/")).text
        assert f"CPD lead of school <strong>{urn}" not in (await second.get("/")).text
        async with services.client() as api:
            await api.put(f"/schools/{urn}", json=school(new), headers=admin)
        assert f"CPD lead of school <strong>{urn}" not in (await first.get("/")).text
        assert f"CPD lead of school <strong>{urn}" in (await second.get("/")).text


async def test_the_staff_log_page_is_open_to_staff_notifications_knows(
    services: Services, stack: Stack
) -> None:
    a = alliance()
    email = f"reader-{a}@example.org"
    log = f"{HOST}:{PORTS['notifications']}/notifications/page"
    async with services.client() as browser:
        first = await browser.get(log)
        assert first.status_code == 303
        assert first.headers["location"] == "/signin?next=/notifications/page"
        await sign_in(browser, email)
        assert (await browser.get(log)).status_code == 403
        await browser.post(
            f"/alliances/{a}/staff",
            json={"email": email, "role": "administrator"},
            headers=stack.auth("alliance_admin", a),
        )

        async def status() -> int:
            return (await browser.get(log)).status_code

        await eventually(status, lambda code: code == 200, timeout=30)
