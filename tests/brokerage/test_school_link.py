"""The school's private link expires: a genuine link past its lifetime is refused (page, form
post and API alike) with a page saying how to get a working one; a forged one says nothing."""

from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

from services.brokerage.config import BrokerageSettings, root_secret
from services.brokerage.usecases.links import LinkState, SchoolLinks
from tests.brokerage.helpers import Brokerage, school_token
from tests.brokerage.test_form import Page

LIFETIME = timedelta(days=60)


def issued_at(brokerage: Brokerage, when: datetime) -> SchoolLinks:
    """The service's own links (same secret, same address), as issued at ``when``."""
    settings = brokerage.stack.settings(BrokerageSettings)
    return SchoolLinks(root_secret(settings), settings.service_url(), now=lambda: when)


def test_a_link_lives_for_its_lifetime_then_expires() -> None:
    now = [datetime(2026, 1, 5, 9, tzinfo=UTC)]
    links = SchoolLinks("s" * 32, "http://x", lifetime=LIFETIME, now=lambda: now[0])
    rid = uuid4()
    token = links.token(rid)
    assert links.check(rid, token) is LinkState.VALID
    assert links.check(uuid4(), token) is LinkState.INVALID  # another request's link
    now[0] += LIFETIME - timedelta(seconds=1)
    assert links.is_valid(rid, token)
    now[0] += timedelta(seconds=2)
    assert links.check(rid, token) is LinkState.EXPIRED
    assert not links.is_valid(rid, token)
    issued, mac = token.split(".")
    for forged in (f"{int(issued) + 86400}.{mac}", mac, "", "1.é", "٣.x", "9" * 13 + ".x"):
        assert links.check(rid, forged) is LinkState.INVALID, forged
    other = SchoolLinks("t" * 32, "http://x", lifetime=LIFETIME, now=lambda: now[0])
    assert links.check(rid, other.token(rid)) is LinkState.INVALID  # a rotated secret


async def test_an_expired_link_is_refused_with_the_fresh_link_page(brokerage: Brokerage) -> None:
    alliance = await brokerage.alliance()
    submitted = await brokerage.submit(alliance)
    rid = submitted["id"]
    client = brokerage.client
    fresh = await client.get(
        f"/support-requests/{rid}/school", params={"token": school_token(submitted)}
    )
    assert fresh.status_code == 200 and "Received" in Page(fresh.text).plain

    old = issued_at(brokerage, datetime.now(UTC) - LIFETIME - timedelta(hours=1))
    expired = old.token(UUID(rid))
    page = await client.get(f"/support-requests/{rid}/school", params={"token": expired})
    assert page.status_code == 404
    assert "This link has expired" in Page(page.text).plain
    assert "most recent email" in Page(page.text).plain
    assert submitted["reference"] not in page.text  # nothing about the request itself

    posted = await client.post(
        f"/support-requests/{rid}/school", data={"token": expired, "action": "withdraw"}
    )
    assert posted.status_code == 404 and "This link has expired" in Page(posted.text).plain
    as_api = await client.post(
        f"/support-requests/{rid}/withdrawal", json={"school_token": expired}
    )
    assert as_api.status_code == 403, as_api.text
    state = await client.get(f"/support-requests/{rid}", headers=alliance.staff)
    assert state.json()["status"] == "submitted"

    forged = await client.get(f"/support-requests/{rid}/school", params={"token": "1.forged"})
    assert forged.status_code == 404 and "This link has expired" not in forged.text


async def test_a_link_issued_a_moment_ago_still_works(brokerage: Brokerage) -> None:
    alliance = await brokerage.alliance()
    submitted = await brokerage.submit(alliance)
    rid = submitted["id"]
    recent = issued_at(brokerage, datetime.now(UTC) - LIFETIME + timedelta(hours=1))
    page = await brokerage.client.get(
        f"/support-requests/{rid}/school", params={"token": recent.token(UUID(rid))}
    )
    assert page.status_code == 200 and submitted["reference"] in page.text
