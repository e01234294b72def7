"""The school's private link is a capability: events carry it sealed for notifications only
(no usable link on the topic), and a coordinator can revoke one request's link (API and page),
after which the old link is refused with a page saying how to get a new one."""

import re
from urllib.parse import urlsplit

from services.brokerage.config import BrokerageSettings, root_secret
from shared.contracts.brokerage import SCHOOL_LINK_SEAL_PURPOSE
from shared.sealed import Sealer, secret_text
from shared.web.csrf import FIELD
from tests.brokerage.helpers import Alliance, Brokerage, events_for, school_token
from tests.brokerage.test_form import Page


def local(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def notifications_key(brokerage: Brokerage) -> Sealer:
    """What notifications opens sealed links with (the same secret, the same purpose)."""
    settings = brokerage.stack.settings(BrokerageSettings)
    secret = secret_text(settings.school_link_key, settings.jwt_secret)
    assert secret is not None
    return Sealer(secret, SCHOOL_LINK_SEAL_PURPOSE)


async def test_events_carry_the_link_sealed_never_usable(brokerage: Brokerage) -> None:
    alliance = await brokerage.alliance()
    submitted = await brokerage.submit(alliance)
    rid = submitted["id"]
    await brokerage.ok(rid, "triage", alliance.staff)
    await brokerage.ok(rid, "matching", alliance.staff)
    await brokerage.ok(rid, "unmatched", alliance.staff, reason="No SENCO free")
    records = await events_for(brokerage.stack, rid, 3)
    sealed_links = []
    for record in records:
        value = (record.value or b"").decode()
        assert "token=" not in value and "/school?" not in value, value
        assert '"school_manage_url":null' in value.replace(" ", "") or "school_manage" not in value
        sealed_links += re.findall(r'"school_link_sealed":\s*"([^"]+)"', value)
    assert len(sealed_links) == 2  # request_submitted and request_unmatched

    opener = notifications_key(brokerage)
    for sealed in sealed_links:
        # Not a token: the school page refuses it, however it is presented.
        page = await brokerage.client.get(
            f"/support-requests/{rid}/school", params={"token": sealed[:200]}
        )
        assert page.status_code == 404
        # Nor does another key (the broker's admins, any other service) open it.
        settings = brokerage.stack.settings(BrokerageSettings)
        assert Sealer(root_secret(settings), "something-else").open(sealed) is None
        assert Sealer("another secret", SCHOOL_LINK_SEAL_PURPOSE).open(sealed) is None
        # Notifications, holding the key, finds a working link.
        opened = opener.open(sealed)
        assert opened is not None and f"/support-requests/{rid}/school?token=" in opened
        token = opened.split("token=", 1)[1]
        works = await brokerage.client.get(
            f"/support-requests/{rid}/school", params={"token": token}
        )
        assert works.status_code == 200 and submitted["reference"] in works.text


async def revoke_by_api(brokerage: Brokerage, rid: str, headers: dict[str, str]) -> int:
    response = await brokerage.client.post(
        f"/support-requests/{rid}/school-link/revocation", headers=headers
    )
    return response.status_code


async def test_a_coordinator_revokes_one_requests_link(brokerage: Brokerage) -> None:
    alliance = await brokerage.alliance()
    other = await brokerage.submit(alliance)
    submitted = await brokerage.submit(alliance)
    rid, token = submitted["id"], school_token(submitted)
    page_url = f"/support-requests/{rid}/school"
    assert (await brokerage.client.get(page_url, params={"token": token})).status_code == 200

    stranger = await brokerage.alliance()
    assert await revoke_by_api(brokerage, rid, stranger.staff) == 404
    assert await revoke_by_api(brokerage, rid, {}) == 401
    sle = brokerage.stack.auth("sle", alliance.id, email="s@x.example.org")
    assert await revoke_by_api(brokerage, rid, sle) == 403
    assert (await brokerage.client.get(page_url, params={"token": token})).status_code == 200

    revoked = await brokerage.client.post(
        f"/support-requests/{rid}/school-link/revocation", headers=alliance.staff
    )
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["reference"] == submitted["reference"]

    refused = await brokerage.client.get(page_url, params={"token": token})
    assert refused.status_code == 410
    shown = Page(refused.text)
    assert "This link no longer works" in shown.plain
    assert shown.one("a", href="/support-requests/fresh-link")
    assert submitted["reference"] not in refused.text
    posted = await brokerage.client.post(page_url, data={"token": token, "action": "withdraw"})
    assert posted.status_code == 410
    as_api = await brokerage.client.post(
        f"/support-requests/{rid}/withdrawal", json={"school_token": token}
    )
    assert as_api.status_code == 403
    state = await brokerage.client.get(f"/support-requests/{rid}", headers=alliance.staff)
    assert state.json()["status"] == "submitted"
    # Only that request's link: the other request's still works.
    still = await brokerage.client.get(
        f"/support-requests/{other['id']}/school", params={"token": school_token(other)}
    )
    assert still.status_code == 200

    # The next email to the school carries a link of the new generation, which works.
    await brokerage.ok(rid, "triage", alliance.staff)
    await brokerage.ok(rid, "matching", alliance.staff)
    await brokerage.ok(rid, "unmatched", alliance.staff, reason="No SENCO free")
    [*_, unmatched] = await events_for(brokerage.stack, rid, 3)
    sealed = re.findall(r'"school_link_sealed":\s*"([^"]+)"', (unmatched.value or b"").decode())
    opened = notifications_key(brokerage).open(sealed[0])
    assert opened is not None
    fresh = await brokerage.client.get(local(opened))
    assert fresh.status_code == 200 and submitted["reference"] in fresh.text


async def test_the_coordinators_revoke_page_asks_then_revokes_with_csrf(
    brokerage: Brokerage,
) -> None:
    alliance: Alliance = await brokerage.alliance()
    submitted = await brokerage.submit(alliance)
    rid, token = submitted["id"], school_token(submitted)
    path = f"/requests/{rid}/school-link"
    client = brokerage.client

    assert (await client.get(path)).status_code in (302, 303, 401)  # sign in first
    stranger = await brokerage.alliance()
    assert (await client.get(path, headers=stranger.staff)).status_code == 404

    form = await client.get(path, headers=alliance.staff)
    assert form.status_code == 200, form.text
    page = Page(form.text)
    assert submitted["reference"] in page.plain and "Cancel the link" in page.plain
    csrf = page.one("input", name=FIELD)["value"]

    forged = await client.post(path, data={FIELD: "x"}, headers=alliance.staff)
    assert forged.status_code == 403 and "session expired" in forged.text
    school = f"/support-requests/{rid}/school"
    assert (await client.get(school, params={"token": token})).status_code == 200

    done = await client.post(path, data={FIELD: csrf}, headers=alliance.staff)
    assert done.status_code == 200, done.text
    assert "has been cancelled" in Page(done.text).plain
    assert (await client.get(school, params={"token": token})).status_code == 410
