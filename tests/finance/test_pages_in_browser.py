"""Finance's pages in Chromium pass axe-core (WCAG 2.2 A/AA), the error summary included: the
administrator issues an invoice from the form and opens it. (Without JavaScript: test_pages.)"""

import secrets
from collections.abc import AsyncIterator
from datetime import date
from uuid import uuid4

import pytest
from fastapi import FastAPI
from playwright.async_api import Browser, Page, async_playwright

from services.finance.app import build_app
from services.finance.config import FinanceSettings
from services.finance.domain.ledger import Entry, Kind
from services.finance.repository import add_entries, learn_school
from services.finance.usecases.context import FinanceContext
from tests.browser.support import CHROMIUM, assert_accessible
from tests.support.isolated import isolated_parts
from tests.support.serving import served
from tests.support.stack import Stack


@pytest.fixture(scope="module")
async def site(stack: Stack) -> AsyncIterator[tuple[FastAPI, str]]:
    async with isolated_parts(stack, "finbrowser", services=("finance",)) as parts:
        app = build_app(stack.settings(FinanceSettings, **parts.overrides))
        async with served(app, lifespan="on") as url:
            yield app, url


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--lang=en-GB"]
        )
        try:
            yield launched
        finally:
            await launched.close()


async def test_the_money_pages_pass_axe(
    site: tuple[FastAPI, str], browser: Browser, stack: Stack
) -> None:
    app, url = site
    alliance, urn = f"axe-{secrets.token_hex(4)}", "300001"
    ctx: FinanceContext = app.state.finance
    today = date.today()
    async with ctx.runtime.transaction() as session:
        await learn_school(session, alliance, urn, "Hillview Primary", None)
        for kind, amount in ((Kind.PLACE, 9_000), (Kind.LATE_CANCELLATION_FEE, 4_500)):
            entry = Entry(
                alliance, urn, "x", kind, uuid4(), "AB12CD34", "Phonics", amount, today, amount
            )
            await add_entries(session, uuid4(), [entry])
    token = stack.token("alliance_admin", alliance, email=f"admin@{alliance}.example")
    context = await browser.new_context(
        locale="en-GB",
        extra_http_headers={"Authorization": f"Bearer {token}"},
    )
    try:
        page: Page = await context.new_page()
        await page.goto(f"{url}/finance/{alliance}/statements")
        await assert_accessible(page, "finance statements")
        await page.click("text=Hillview Primary")
        await assert_accessible(page, "finance school statement")
        assert "£135.00" in await page.inner_text("main")

        await page.goto(f"{url}/finance/{alliance}/invoices")
        await assert_accessible(page, "finance invoices")
        await page.fill("#school_urn", urn)
        await page.fill("#period_from", today.isoformat())
        await page.fill("#period_to", "")
        await page.click("text=Issue invoice")
        assert "There is a problem" in await page.inner_text("main")
        await assert_accessible(page, "finance invoices with errors")

        await page.fill("#period_to", today.isoformat())
        await page.click("text=Issue invoice")
        assert "Invoice INV-000001" in await page.inner_text("h1")
        await assert_accessible(page, "finance invoice")

        await page.click("text=Issue a credit note")
        assert "credit note for invoice INV-000001?" in await page.inner_text("h1")
        await assert_accessible(page, "finance credit note confirmation")
        await page.click("text=Yes, issue the credit note")
        assert "Credit note INV-000002" in await page.inner_text("h1")
    finally:
        await context.close()
