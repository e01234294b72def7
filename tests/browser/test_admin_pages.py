"""The alliance administrator in Chromium: signs in through the local OpenID provider, creates a
course with the form (after its errors), publishes it, sees its bookings and waiting list,
downloads the CSV, cancels it after the confirmation page; keeps member schools and staff.
axe finds no WCAG 2.2 A/AA violation on any of these pages."""

import asyncio
import csv
import io
import secrets
from datetime import timedelta
from uuid import uuid4

import httpx
from playwright.async_api import Page

from services.bookings.web.formatting import LONDON
from tests.browser.conftest import Site
from tests.browser.support import assert_accessible, focused


async def an_admin(site: Site) -> tuple[str, str]:
    """(a new alliance, the email of its administrator on its staff)."""
    alliance_id = f"tsa-{secrets.token_hex(3)}"
    email = f"admin@{alliance_id}.example.org"
    async with httpx.AsyncClient(base_url=site.bookings) as http:
        invited = await http.post(
            f"/alliances/{alliance_id}/staff",
            json={"email": email, "role": "administrator", "name": "Alison Grant"},
            headers=site.admin(alliance_id),
        )
    assert invited.status_code == 201, invited.text
    return alliance_id, email


async def sign_in_at(page: Page, url: str, email: str) -> None:
    await page.goto(url)
    assert "/oauth2/authorize" in page.url, "a stranger is sent to sign in"
    await page.locator("input[name=sub]").fill(email)
    await page.get_by_role("button", name="Authorize").click()
    await page.wait_for_url(url)


async def book(site: Site, alliance_id: str, course_id: str, count: int) -> None:
    """``count`` places booked by a member school's CPD lead (through the JSON API)."""
    urn = f"{secrets.randbelow(900_000) + 100_000}"
    lead = f"lead@{urn}.example.org"
    admin = site.admin(alliance_id)
    school = {"name": "Severn Vale Primary", "cpd_lead_name": "Helen", "cpd_lead_email": lead}
    token = site.stack.auth("school_lead", alliance_id, school_urn=urn, email=lead)
    async with httpx.AsyncClient(base_url=site.bookings) as http:
        assert (await http.put(f"/schools/{urn}", json=school, headers=admin)).status_code == 201
        await http.put(f"/alliances/{alliance_id}/members/{urn}", headers=admin)
        for n in range(count):
            made = await http.post(
                f"/courses/{course_id}/bookings",
                json={
                    "school_urn": urn,
                    "participant": {"name": f"Teacher {n}", "email": f"t{n}@{urn}.example.org"},
                },
                headers={**token, "Idempotency-Key": uuid4().hex},
            )
            assert made.status_code == 201, made.text


async def test_an_administrator_creates_runs_and_cancels_a_course(site: Site, page: Page) -> None:
    alliance_id, email = await an_admin(site)
    courses = f"{site.bookings}/admin/{alliance_id}/courses"
    await sign_in_at(page, courses, email)
    await assert_accessible(page, "admin courses")

    await page.goto(f"{site.bookings}/")
    await page.get_by_role("link", name="courses", exact=True).click()
    await page.wait_for_url(courses)
    await page.get_by_role("link", name="Create a course").click()
    await assert_accessible(page, "admin new course")

    async with page.expect_navigation() as sent:
        await page.get_by_role("button", name="Save as draft").click()
    response = await sent.value
    assert response is not None and response.status == 422
    assert (await page.title()).startswith("Error: ")
    assert "error-summary" in (await focused(page))["cls"], "the summary has the focus"
    links = await page.locator(".error-summary a").all_inner_texts()
    assert links[:3] == ["Enter the title", "Select a strand", "Select at least one phase"]
    await assert_accessible(page, "admin new course with errors")

    start = (site.clock.now() + timedelta(days=40)).astimezone(LONDON)
    await page.get_by_label("Title").fill("Assessment without levels")
    await page.get_by_label("Strand").select_option("cpd")
    await page.get_by_label("Primary").check()
    await page.locator("#session-0-date").fill(start.date().isoformat())
    await page.locator("#session-0-starts").fill("09:30")
    await page.locator("#session-0-ends").fill("15:30")
    await page.locator("#session-0-venue").fill("Odyssey Teaching School, Gloucester")
    await page.get_by_label("Number of places").fill("1")
    await page.locator("#booking_closes_date").fill((start - timedelta(days=5)).date().isoformat())
    await page.get_by_label("Member price in pounds", exact=True).fill("75")
    await page.get_by_label("Non-member price in pounds").fill("95")
    await page.get_by_role("button", name="Save as draft").click()
    await page.wait_for_url(f"{site.bookings}/admin/courses/*")
    main = page.locator("main")
    assert "Course drafted" in await main.inner_text()
    await assert_accessible(page, "admin course draft")
    await page.get_by_role("button", name="Publish the course").click()
    await page.wait_for_url("**?done=published")
    assert "Members £75.00; non-members £95.00" in await main.inner_text()
    course_id = page.url.split("/admin/courses/")[1].split("?")[0]

    await book(site, alliance_id, course_id, 3)
    await page.get_by_role("link", name="Bookings and waiting list").click()
    assert "Places (1)" in await main.inner_text()
    assert "Waiting list (2)" in await main.inner_text()
    await assert_accessible(page, "admin course bookings")
    async with page.expect_download() as downloading:
        await page.get_by_role("link", name="Download all bookings as CSV").click()
    download = await downloading.value
    saved = await download.path()
    text = await asyncio.to_thread(saved.read_text, encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    assert len(rows) == 4 and rows[0][0] == "Participant"
    assert sorted(r[5] for r in rows[1:]) == ["Confirmed", "Waiting list", "Waiting list"]

    await page.goto(f"{site.bookings}/admin/courses/{course_id}/register/0")
    assert await page.get_by_label("Teacher 0").is_checked()
    await assert_accessible(page, "admin register")

    await page.goto(courses)
    assert "0 of 1" in await main.inner_text()
    await page.get_by_role("link", name="Assessment without levels").click()
    await page.get_by_role("link", name="Cancel the course").click()
    assert "Every one of these 3 bookings" in await main.inner_text()
    await assert_accessible(page, "admin cancel course")
    await page.get_by_label("Why is the course cancelled?").fill("The facilitator is ill")
    await page.get_by_role("button", name="Yes, cancel the course").click()
    await page.wait_for_url("**?done=cancelled")
    assert "Cancelled: The facilitator is ill" in await main.inner_text()


async def test_an_administrator_keeps_member_schools_and_staff(site: Site, page: Page) -> None:
    alliance_id, email = await an_admin(site)
    schools = f"{site.bookings}/admin/{alliance_id}/schools"
    await sign_in_at(page, schools, email)
    await assert_accessible(page, "admin schools")
    main = page.locator("main")

    urn = f"{secrets.randbelow(900_000) + 100_000}"
    await page.get_by_label("The school's URN").fill(urn)
    await page.get_by_role("button", name="Add the school").click()
    assert "Register the school" in await main.inner_text()
    await assert_accessible(page, "admin register school")
    await page.get_by_label("School name").fill("Kingsholm CE Primary")
    await page.get_by_label("CPD lead's name").fill("David Okafor")
    await page.get_by_label("CPD lead's email address").fill(f"cpd@{urn}.example.org")
    await page.get_by_label("Bookings by the school's staff need").check()
    await page.get_by_role("button", name="Register and add the school").click()
    await page.wait_for_url("**?done=added")
    assert "Kingsholm CE Primary" in await main.inner_text()
    await page.get_by_role("link", name="End membership of Kingsholm CE Primary").click()
    await assert_accessible(page, "admin end membership")
    await page.get_by_role("button", name="Yes, end the membership").click()
    await page.wait_for_url("**?done=removed")
    assert "No member schools yet" in await main.inner_text()

    await page.get_by_role("link", name="Staff").click()
    await assert_accessible(page, "admin staff")
    await page.get_by_label("Email address").fill("rachel@tsa.example.org")
    await page.get_by_label("Coordinator").check()
    await page.get_by_role("button", name="Invite").click()
    await page.wait_for_url("**?done=invited")
    assert "rachel@tsa.example.org" in await main.inner_text()
    await page.get_by_label("Role of rachel@tsa.example.org").select_option("administrator")
    await page.get_by_role("button", name="Change role of rachel@tsa.example.org").click()
    await page.wait_for_url("**?done=changed")
    await page.get_by_role("link", name="Remove rachel@tsa.example.org").click()
    await assert_accessible(page, "admin remove staff")
    await page.get_by_role("button", name="Yes, remove them").click()
    await page.wait_for_url("**?done=removed")
    assert "rachel@tsa.example.org" not in await main.inner_text()

    async with page.expect_navigation() as refused:
        await page.goto(f"{site.bookings}/admin/someone-elses-tsa/staff")
    response = await refused.value
    assert response is not None and response.status == 403
    await assert_accessible(page, "admin refused")
