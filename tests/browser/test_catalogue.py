"""The network's catalogue and CPD matrix in a real browser: each filter narrows the list,
started courses are gone, the matrix's numbers land on the filtered catalogue, and axe finds
no WCAG 2.2 A/AA violation on any of these pages."""

from dataclasses import dataclass
from datetime import timedelta
from uuid import uuid4
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.async_api import Page

from tests.browser.conftest import Site, publish_course
from tests.browser.support import assert_accessible

ODYSSEY, FOREST = "odyssey-tsa", "forest-way-tsh"


@dataclass
class Offer:
    send: dict
    full: dict
    npq: dict
    started: dict


async def fill(site: Site, course: dict, alliance_id: str) -> None:
    """Book the course's last place through the JSON API."""
    urn = "135790"
    lead = {"email": f"lead@{urn}.example.org", "school_urn": urn}
    async with httpx.AsyncClient(base_url=site.bookings) as http:
        school = await http.put(
            f"/schools/{urn}",
            json={
                "name": "Beech Primary",
                "cpd_lead_name": "Pat Lead",
                "cpd_lead_email": lead["email"],
            },
            headers=site.admin(alliance_id),
        )
        assert school.status_code in (200, 201), school.text
        booked = await http.post(
            f"/courses/{course['id']}/bookings",
            json={
                "school_urn": urn,
                "participant": {"name": "Sam Teacher", "email": "sam@beech.example.org"},
            },
            headers={
                **site.stack.auth("school_lead", alliance_id, **lead),
                "Idempotency-Key": uuid4().hex,
            },
        )
        assert booked.status_code == 201 and booked.json()["status"] == "confirmed", booked.text


@pytest.fixture(scope="module")
async def offer(site: Site) -> Offer:
    started = await publish_course(
        site, ODYSSEY, "Autumn SEND conference", strand="send", phases=["primary"], days_ahead=2
    )
    send = await publish_course(
        site,
        ODYSSEY,
        "SEND in the primary classroom",
        strand="send",
        phases=["primary"],
        days_ahead=10,
    )
    full = await publish_course(
        site,
        ODYSSEY,
        "Leading a secondary department",
        strand="cpd",
        phases=["secondary"],
        days_ahead=40,
        capacity=1,
    )
    npq = await publish_course(
        site,
        FOREST,
        "NPQ for headship",
        strand="leadership_npq",
        phases=["primary", "secondary"],
        days_ahead=20,
    )
    await fill(site, full, ODYSSEY)
    site.clock.advance(timedelta(days=3))  # the conference has started: no longer listed
    return Offer(send, full, npq, started)


async def listed(page: Page) -> list[str]:
    return sorted(await page.locator(".course-list h2 a").all_inner_texts())


async def apply(page: Page) -> None:
    async with page.expect_navigation():
        await page.get_by_role("button", name="Apply filters").click()


ALL = ["Leading a secondary department", "NPQ for headship", "SEND in the primary classroom"]


async def test_each_filter_narrows_the_catalogue(site: Site, offer: Offer, page: Page) -> None:
    await page.goto(f"{site.bookings}/catalogue")
    assert await listed(page) == ALL, "every alliance's upcoming courses; the started one gone"
    assert "Autumn SEND conference" not in await page.content()
    offered_by = await page.locator(".course-list .meta").all_inner_texts()
    assert sorted(offered_by) == sorted(
        ["Offered by Odyssey TSA", "Offered by Odyssey TSA", "Offered by Forest Way TSH"]
    )
    await assert_accessible(page, "catalogue")

    await page.select_option("#alliance", FOREST)
    await apply(page)
    assert await listed(page) == ["NPQ for headship"]
    await page.select_option("#alliance", "")

    await page.select_option("#strand", "send")
    await apply(page)
    assert await listed(page) == ["SEND in the primary classroom"]
    await page.select_option("#strand", "")

    await page.select_option("#phase", "secondary")
    await apply(page)
    assert await listed(page) == ["Leading a secondary department", "NPQ for headship"]
    await page.select_option("#phase", "")

    today = site.clock.now().astimezone(ZoneInfo("Europe/London")).date()
    await page.fill("#starts_from", (today + timedelta(days=10)).isoformat())
    await page.fill("#starts_to", (today + timedelta(days=30)).isoformat())
    await apply(page)
    assert await listed(page) == ["NPQ for headship"]
    await page.fill("#starts_from", "")
    await page.fill("#starts_to", "")

    await page.check("#has_places")
    await apply(page)
    assert await listed(page) == ["NPQ for headship", "SEND in the primary classroom"]
    assert await page.is_checked("#has_places"), "the form shows the filters applied"
    await assert_accessible(page, "catalogue filtered")


async def test_an_unreadable_filter_is_shown_in_the_error_summary(
    site: Site, offer: Offer, page: Page
) -> None:
    response = await page.goto(f"{site.bookings}/catalogue?starts_from=2027-02-30&strand=send")
    assert response is not None and response.status == 422
    summary = page.locator(".error-summary")
    assert "The “from” date must be a real date" in await summary.inner_text()
    assert await page.evaluate("document.activeElement.classList.contains('error-summary')")
    assert await listed(page) == ["SEND in the primary classroom"], "the other filters still apply"
    await assert_accessible(page, "catalogue with an error")


async def test_the_course_page_names_its_alliance(site: Site, offer: Offer, page: Page) -> None:
    await page.goto(f"{site.bookings}/catalogue")
    async with page.expect_navigation():
        await page.get_by_role("link", name="NPQ for headship").click()
    assert await page.locator("h1").inner_text() == "NPQ for headship"
    assert "Forest Way TSH" in await page.locator(".caption").inner_text()
    await assert_accessible(page, "course")


async def test_the_matrix_links_land_on_the_filtered_catalogue(
    site: Site, offer: Offer, page: Page
) -> None:
    await page.goto(f"{site.bookings}/catalogue/matrix")
    await assert_accessible(page, "matrix")
    strands = page.locator("table").first
    row = strands.locator("tr", has=page.locator("th", has_text="Leadership and NPQ"))
    link = row.get_by_role("link", name="1 course: Forest Way TSH, Leadership and NPQ")
    async with page.expect_navigation():
        await link.click()
    assert "alliance=forest-way-tsh" in page.url and "strand=leadership_npq" in page.url
    assert await listed(page) == ["NPQ for headship"]
    assert await page.input_value("#alliance") == FOREST
    assert await page.input_value("#strand") == "leadership_npq"

    await page.goto(f"{site.bookings}/catalogue/matrix")
    phases = page.locator("table").nth(1)
    primary = phases.locator("tr", has=page.locator("th", has_text="Primary"))
    async with page.expect_navigation():
        await primary.get_by_role("link", name="1 course: Odyssey TSA, Primary").click()
    assert await listed(page) == ["SEND in the primary classroom"], "the started one is not counted"
    assert await page.input_value("#phase") == "primary"


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("strand=astrology", "strand", "Select a strand from the list"),
        ("phase=university", "phase", "Select a phase from the list"),
        ("starts_from=14/03/2027", "starts_from", "The “from” date must be a real date"),
        ("starts_to=soon", "starts_to", "The “to” date must be a real date"),
        (
            "starts_from=2027-03-14&starts_to=2027-03-01",
            "starts_to",
            "The “to” date must be the same as or after the “from” date",
        ),
    ],
)
async def test_each_unreadable_filter_is_a_422_naming_its_field(
    site: Site, query: str, field: str, message: str
) -> None:
    async with httpx.AsyncClient(base_url=site.bookings) as http:
        response = await http.get(f"/catalogue?{query}")
    assert response.status_code == 422
    assert f'<a href="#{field}">{message}</a>' in response.text
    assert f'id="{field}-error"' in response.text
