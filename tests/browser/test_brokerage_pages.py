"""Brokerage in the browser, each person signed in through the local OpenID provider: a school
asks on the public form, the coordinator follows the link in the email they were sent to the
request's page, triages, matches and proposes an SLE, the SLE accepts,
their home-school head releases them, the school confirms through its link, the coordinator
agrees the deployment and the SLE logs a visit. axe finds no WCAG 2.2 A/AA violation on any
page on the way, errors included."""

import re
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date, timedelta
from urllib.parse import urlsplit

import httpx
from playwright.async_api import Browser, Page

from devstack.mail import wait_for_messages_async
from tests.browser.conftest import Site
from tests.browser.support import assert_accessible
from tests.support.wait import eventually


@asynccontextmanager
async def person(browser: Browser, site: Site, email: str, path: str) -> AsyncIterator[Page]:
    """A browser of their own for ``email``, signed in on the way to ``path``."""
    context = await browser.new_context(locale="en-GB")
    try:
        page = await context.new_page()
        await page.goto(f"{site.brokerage}{path}")
        assert "/oauth2/authorize" in page.url, "a page that needs sign-in sends you to it"
        await page.locator("input[name=sub]").fill(email)
        await page.get_by_role("button", name="Authorize").click()
        await page.wait_for_url(f"{site.brokerage}{path}")
        yield page
    finally:
        await context.close()


async def a_coordinator(site: Site, alliance_id: str, email: str) -> None:
    """Appointed by the alliance's administrator in bookings, known to brokerage by its event."""
    async with httpx.AsyncClient(base_url=site.bookings) as http:
        made = await http.post(
            f"/alliances/{alliance_id}/staff",
            json={"email": email, "role": "coordinator"},
            headers=site.admin(alliance_id),
        )
    assert made.status_code == 201, made.text


async def an_alliance(site: Site, coordinator: str) -> str:
    """An alliance whose requests are announced to ``coordinator`` by email."""
    alliance_id = coordinator.rsplit("@", 1)[1].split(".", 1)[0]
    async with httpx.AsyncClient(base_url=site.brokerage) as http:
        response = await http.put(
            f"/alliances/{alliance_id}",
            json={
                "name": "Odyssey Teaching School Alliance",
                "region": "Gloucestershire",
                "coordinators": [{"name": "Rachel Hughes", "email": coordinator}],
            },
            headers=site.stack.auth("alliance_admin", alliance_id),
        )
    assert response.status_code == 200, response.text
    return alliance_id


async def link_in_mail_to(site: Site, email: str, reference: str) -> str:
    """The link in the email ``email`` was sent about ``reference`` (the site's Maildir)."""
    maildir = site.stack.root / "browser-mail"  # tests.support.isolated, named "browser"
    found = await wait_for_messages_async(
        maildir,
        lambda m: email in str(m["To"]) and reference in str(m["Subject"]),
        timeout_s=60,
    )
    text = found[0].get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    link = re.search(r"https?://\S+/requests/[0-9a-f-]{36}", text)
    assert link is not None, text
    return link.group(0)


async def an_sle(site: Site, alliance_id: str) -> dict:
    body = {
        "name": f"Claire {secrets.token_hex(2).upper()}",
        "email": f"sle-{secrets.token_hex(3)}@severnvale.example.org",
        "home_school_urn": "115701",
        "home_school_name": "Severn Vale Primary School",
        "home_head_name": "Mark Davies",
        "home_head_email": f"head-{secrets.token_hex(3)}@severnvale.example.org",
        "phases": ["primary"],
        "specialisms": ["mathematics", "assessment"],
        "days_available": 12,
        "region": "Gloucestershire",
    }
    async with httpx.AsyncClient(base_url=site.brokerage) as http:
        made = await http.post(
            "/sles", json=body, headers=site.stack.auth("coordinator", alliance_id)
        )
    assert made.status_code == 201, made.text
    return made.json()


async def ask_for_support(page: Page, site: Site, alliance_id: str) -> tuple[str, str]:
    """The school's request on the public form: its reference and the school's private link."""
    await page.goto(f"{site.brokerage}/support-requests/new?alliance={alliance_id}")
    for field, value in {
        "#school_name": "Beech Primary School",
        "#school_urn": "115678",
        "#contact_name": "Hilary Head",
        "#contact_role": "Headteacher",
        "#contact_email": "head@beech.example.org",
        "#contact_phone": "01452 123456",
        "#needs": "Support for our new maths lead.",
        "#outcomes": "A maths curriculum the staff share.",
        "#timing": "This term",
        "#days": "3",
    }.items():
        await page.fill(field, value)
    for choice in ("#areas-mathematics", "#phase-primary", "#funding_source", "#consent_to_share"):
        await page.check(choice)
    await page.locator("main form button[type=submit]").click()
    await page.wait_for_selector("text=Request sent")
    reference = await page.locator(".panel__body strong").inner_text()
    link = await page.locator("main a[href*='/school?token=']").get_attribute("href")
    assert link is not None
    return reference, link


async def test_a_request_goes_from_the_form_to_a_visit_logged(
    site: Site, browser: Browser, page: Page
) -> None:
    coordinator = f"coordinator@tsa-{secrets.token_hex(3)}.example.org"
    alliance_id = await an_alliance(site, coordinator)
    sle = await an_sle(site, alliance_id)
    await a_coordinator(site, alliance_id, coordinator)
    reference, school_link = await ask_for_support(page, site, alliance_id)
    emailed = await link_in_mail_to(site, coordinator, reference)
    assert emailed.startswith(site.brokerage)

    opened = urlsplit(emailed).path
    async with person(browser, site, coordinator, opened) as staff:

        async def request_page_status() -> int:
            response = await staff.goto(emailed)
            return response.status if response else 0

        # Signed in and back at the emailed page, once brokerage has the staff event.
        await eventually(request_page_status, lambda s: s == 200, message="the page opens")
        assert await staff.locator("h1").inner_text() == f"Support request {reference}"
        await assert_accessible(staff, "support request, new")
        await staff.get_by_role("link", name="Support requests", exact=True).click()
        await assert_accessible(staff, "support request queue")
        await staff.get_by_role("link", name=reference).click()
        await staff.get_by_label("High").check()
        await staff.get_by_role("button", name="Triage the request").click()
        await staff.get_by_role("button", name="Start matching").click()
        await staff.get_by_role("button", name="Propose this SLE").click()
        assert await staff.locator(".error-summary a").all_inner_texts() == [
            "Choose the SLE to propose"
        ]
        await assert_accessible(staff, "support request, shortlist with an error")
        await staff.get_by_label(sle["name"], exact=False).check()
        await staff.get_by_role("button", name="Propose this SLE").click()
        assert "SLE proposed" in await staff.locator("[role=status]").inner_text()
        await staff.goto(f"{staff.url.split('?')[0]}/cancel")
        assert await staff.locator("h1").inner_text() == "Cancel this request?"
        await assert_accessible(staff, "cancel confirmation")
        await staff.get_by_role("link", name="No, go back to the request").click()
        request_page = staff.url

    async with person(browser, site, sle["email"], "/my/proposals") as the_sle:
        assert reference in await the_sle.locator("main").inner_text()
        await assert_accessible(the_sle, "my proposals")
        await the_sle.get_by_role("button", name=f"Accept {reference}").click()
        assert "You have accepted" in await the_sle.locator("[role=status]").inner_text()

    async with person(browser, site, sle["home_head_email"], "/my/releases") as head:
        await assert_accessible(head, "releases")
        await head.get_by_role("button", name=f"Release {sle['name']} for {reference}").click()
        assert "You have released" in await head.locator("[role=status]").inner_text()

    await page.goto(school_link)
    await page.get_by_role("button", name=f"Confirm {sle['name']}").click()

    today = date.today()
    async with person(browser, site, coordinator, "/") as staff:
        await assert_accessible(staff, "brokerage start page")
        await staff.goto(request_page)
        await staff.fill("#days", "3")
        await staff.fill("#day_rate", "350")
        await staff.get_by_role("button", name="Agree the deployment").click()
        links = await staff.locator(".error-summary a").all_inner_texts()
        assert len(links) == 3, links  # the fee and both dates
        await assert_accessible(staff, "agree the deployment with errors")
        await staff.fill("#fee_percent", "10")
        await staff.fill("#starts_on", (today - timedelta(days=20)).isoformat())
        await staff.fill("#ends_on", (today + timedelta(days=40)).isoformat())
        await staff.get_by_role("button", name="Agree the deployment").click()
        assert "Deployment agreed" in await staff.locator("[role=status]").inner_text()
        await assert_accessible(staff, "support request, deployment agreed")
        await staff.goto(f"{site.brokerage}/directory")
        await assert_accessible(staff, "SLE directory")
        await staff.get_by_role("link", name=sle["name"]).click()
        await assert_accessible(staff, "an SLE's entry")
        await staff.get_by_role("link", name="Change this entry").click()
        await staff.fill("#days_available", "two")
        await staff.get_by_role("button", name="Save the changes").click()
        assert await staff.locator(".error-summary a").count() == 1
        await assert_accessible(staff, "an SLE's entry with an error")

    async with person(browser, site, sle["email"], "/my/deployments") as the_sle:
        await assert_accessible(the_sle, "my deployments")
        await the_sle.get_by_role("link", name=f"Log a visit for {reference}").click()
        await the_sle.get_by_role("button", name="Log the visit").click()
        links = await the_sle.locator(".error-summary a").all_inner_texts()
        assert links == [
            "Enter the date of the visit, like 2026-02-02",
            "Enter the days: at least 0.5, in half days, like 1 or 0.5",
        ]
        await assert_accessible(the_sle, "log a visit with errors")
        await the_sle.fill("#visit_date", (today - timedelta(days=2)).isoformat())
        await the_sle.fill("#days", "1")
        await the_sle.fill("#summary", "Met the maths lead; planned the next visit.")
        await the_sle.get_by_role("button", name="Log the visit").click()
        assert "Visit logged" in await the_sle.locator("[role=status]").inner_text()
        assert "Met the maths lead" in await the_sle.locator("table").inner_text()
        await assert_accessible(the_sle, "support request, visit logged")
