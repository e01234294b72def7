"""The school CPD lead's and the participant's pages in a real browser, signed in through the local
OpenID provider: the lead approves and declines from the queue and substitutes; a participant
follows the link of a real email (from the SMTP server's Maildir) to the booking's page and
cancels with the fee shown first. axe finds no WCAG 2.2 A/AA violation on any of these pages."""

import re
import secrets
from uuid import uuid4

import httpx
from playwright.async_api import Page, expect

from tests.browser.conftest import Site, publish_course
from tests.browser.support import assert_accessible
from tests.notifications.support import text_part, wait_for_mail

ALLIANCE = "schoolpages-tsa"


async def school(site: Site, *, requires_approval: bool) -> tuple[str, str]:
    """A new school (its URN and its CPD lead's email)."""
    urn = f"{secrets.randbelow(900_000) + 100_000}"
    lead = f"lead-{urn}@browser.example.org"
    body = {
        "name": f"Browser School {urn}",
        "cpd_lead_name": "Lee Lead",
        "cpd_lead_email": lead,
        "requires_approval": requires_approval,
    }
    async with httpx.AsyncClient(base_url=site.bookings) as http:
        made = await http.put(f"/schools/{urn}", json=body, headers=site.admin(ALLIANCE))
        assert made.status_code in (200, 201), made.text
    return urn, lead


async def ask(site: Site, course_id: str, urn: str, email: str, name: str) -> dict:
    """A participant asks for a place through the JSON API."""
    token = site.stack.auth("participant", ALLIANCE, school_urn=urn, email=email)
    async with httpx.AsyncClient(base_url=site.bookings) as http:
        made = await http.post(
            f"/courses/{course_id}/bookings",
            json={"school_urn": urn, "participant": {"name": name, "email": email}},
            headers={**token, "Idempotency-Key": uuid4().hex},
        )
        assert made.status_code == 201, made.text
        return made.json()


async def offered_place(site: Site, urn: str, lead: str, email: str) -> str:
    """A booking for ``email`` that is offered the place another booking gave up."""
    course = await publish_course(
        site,
        ALLIANCE,
        "Science capital",
        strand="cpd",
        phases=["primary"],
        days_ahead=40,
        capacity=1,
    )
    token = site.stack.auth("school_lead", ALLIANCE, school_urn=urn, email=lead)
    made = []
    async with httpx.AsyncClient(base_url=site.bookings) as http:
        for who in (f"first-{urn}@browser.example.org", email):
            booked = await http.post(
                f"/courses/{course['id']}/bookings",
                json={"school_urn": urn, "participant": {"name": "Someone", "email": who}},
                headers={**token, "Idempotency-Key": uuid4().hex},
            )
            assert booked.status_code == 201, booked.text
            made.append(booked.json())
        cancelled = await http.post(f"/bookings/{made[0]['id']}/cancel", headers=token)
        assert cancelled.status_code == 200, cancelled.text
        now = await http.get(f"/bookings/{made[1]['id']}", headers=token)
        assert now.json()["status"] == "offered", now.text
    return str(made[1]["id"])


async def choose(page: Page, email: str) -> None:
    """On the local provider's page (where a page that needs sign-in sent us), be ``email``."""
    await page.wait_for_url("**/oauth2/authorize**")
    await page.locator("input[name=sub]").fill(email)
    await page.get_by_role("button", name="Authorize").click()


async def test_the_cpd_lead_works_through_the_approval_queue(site: Site, page: Page) -> None:
    urn, lead = await school(site, requires_approval=True)
    course = await publish_course(
        site, ALLIANCE, "Reading for pleasure", strand="cpd", phases=["primary"], days_ahead=30
    )
    asks = [
        await ask(site, course["id"], urn, f"{who}-{urn}@browser.example.org", name)
        for who, name in (("ann", "Ann Asker"), ("bob", "Bob Asker"))
    ]
    assert [a["status"] for a in asks] == ["awaiting_approval"] * 2
    queue = f"{site.bookings}/school/{urn}/approvals"

    await page.goto(queue)
    await choose(page, lead)
    await page.wait_for_url(queue)
    await expect(page.locator("h1")).to_have_text("Bookings waiting for your approval")
    await assert_accessible(page, "school approval queue")

    await page.get_by_role("button", name="Approve Ann Asker on Reading for pleasure").click()
    await page.wait_for_url(f"{queue}?done=approved")
    await expect(page.locator(".panel")).to_contain_text("The booking is approved")
    await expect(page.locator("main")).not_to_contain_text("Ann Asker")

    await page.get_by_role("link", name="Decline Bob Asker on Reading for pleasure").click()
    await page.get_by_role("button", name="Decline the booking").click()  # no reason given
    summary = page.locator(".error-summary")
    await expect(summary).to_contain_text("Enter the reason")
    await expect(summary).to_be_focused()
    await assert_accessible(page, "decline a booking, with an error")
    await summary.get_by_role("link").click()
    await expect(page.locator("#reason")).to_be_focused()
    await page.keyboard.type("No supply cover that day")
    await page.get_by_role("button", name="Decline the booking").click()
    await page.wait_for_url(f"{queue}?done=declined")
    await expect(page.locator("main")).to_contain_text("Nothing is waiting for your approval")

    await page.get_by_role("link", name="All your school's bookings").click()
    await expect(page.locator("main")).to_contain_text("Ann Asker")
    await assert_accessible(page, "school bookings")
    await page.get_by_role("link", name="Reading for pleasure").first.click()
    await expect(page.locator("h1")).to_have_text("Reading for pleasure")
    await assert_accessible(page, "one booking, as the CPD lead")
    await page.get_by_role("link", name="Send someone else instead").click()
    await page.get_by_label("The substitute's email address").fill("not an email")
    await page.get_by_role("button", name="Substitute").click()
    await expect(page.locator(".error-summary")).to_contain_text("Enter the substitute's full name")
    await expect(page.locator(".error-summary")).to_contain_text("correct format")
    await assert_accessible(page, "substitute, with errors")
    await page.get_by_label("The substitute's full name").fill("Cara Cover")
    await page.get_by_label("The substitute's email address").fill(
        f"cara-{urn}@browser.example.org"
    )
    await page.get_by_role("button", name="Substitute").click()
    await expect(page.locator(".panel")).to_contain_text("The place is now the substitute's")
    await expect(page.locator("main")).to_contain_text(f"cara-{urn}@browser.example.org")


async def test_a_participant_follows_the_email_to_the_booking_and_cancels(
    site: Site, page: Page
) -> None:
    urn, lead = await school(site, requires_approval=False)
    course = await publish_course(
        site, ALLIANCE, "Maths mastery", strand="cpd", phases=["primary"], days_ahead=9
    )
    email = f"pat-{urn}@browser.example.org"
    token = site.stack.auth("school_lead", ALLIANCE, school_urn=urn, email=lead)
    async with httpx.AsyncClient(base_url=site.bookings) as http:
        made = await http.post(
            f"/courses/{course['id']}/bookings",
            json={"school_urn": urn, "participant": {"name": "Pat Person", "email": email}},
            headers={**token, "Idempotency-Key": uuid4().hex},
        )
        assert made.status_code == 201 and made.json()["status"] == "confirmed", made.text
    booking_id = made.json()["id"]

    maildir = site.stack.root / "browser-mail"
    [confirmation] = await wait_for_mail(maildir, email, 1, timeout_s=60)
    link = re.search(r"View the booking: (\S+)", text_part(confirmation))
    assert link, text_part(confirmation)
    assert link.group(1) == f"{site.bookings}/places/{booking_id}"

    await page.goto(link.group(1))
    await choose(page, email)
    await page.wait_for_url(link.group(1))
    await expect(page.locator("h1")).to_have_text("Maths mastery")
    await expect(page.locator("main")).to_contain_text("Confirmed")
    await assert_accessible(page, "one booking, as its participant")

    await page.get_by_role("link", name="Cancel the place").click()
    await expect(page.locator("h1")).to_have_text("Cancel Pat Person's place?")
    await expect(page.locator("#fee")).to_have_text("£60.00")  # half of £120, 9 days ahead
    await assert_accessible(page, "cancel a place: the fee first")
    await page.get_by_label("Reason (optional)").fill("A clash with moderation")
    await page.get_by_role("button", name="Yes, cancel the place").click()
    await page.wait_for_url(f"{link.group(1)}?done=cancelled")
    await expect(page.locator(".panel")).to_contain_text("The place is cancelled")
    await expect(page.locator("main")).to_contain_text("£60.00")

    await page.goto(f"{site.bookings}/places/{booking_id}/evaluation")
    await expect(page.locator("h1")).to_have_text("How was Maths mastery?")
    await assert_accessible(page, "evaluate a course")

    offered = await offered_place(site, urn, lead, email)
    await page.goto(f"{site.bookings}/places")
    await expect(page.locator("main")).to_contain_text("Maths mastery")
    await assert_accessible(page, "your places")
    await page.get_by_role("link", name="Science capital").click()
    await expect(page.locator("main")).to_contain_text("Place offered: accept or decline")
    await page.get_by_role("link", name="Decline the place").click()
    await assert_accessible(page, "decline an offered place")
    await page.get_by_role("button", name="Yes, decline the place").click()
    await page.wait_for_url(f"{site.bookings}/places/{offered}?done=offer_declined")
    await expect(page.locator("main")).to_contain_text("Offer declined")
    someone_elses = await page.goto(f"{site.bookings}/school/{urn}/bookings")
    assert someone_elses is not None and someone_elses.status == 403
    await assert_accessible(page, "a refusal page")
