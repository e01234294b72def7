"""Finance's pages over HTTP, signed in through the local OpenID provider: the CPD lead sees
their school's statement and no other; the administrator sees every school, issues an invoice
from the form (CSRF, the error summary on bad input), opens it and its PDF, and credits it."""

import io
import re
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date, timedelta
from uuid import uuid4

import httpx
import pypdf
import pytest
from fastapi import FastAPI

from services.finance.app import build_app
from services.finance.config import FinanceSettings
from services.finance.domain.ledger import Entry, Kind
from services.finance.repository import add_entries, learn_school
from services.finance.usecases.context import FinanceContext
from services.finance.usecases.people import staff_copy
from tests.support.apps import running_app
from tests.support.isolated import isolated_parts
from tests.support.signin import sign_in
from tests.support.stack import Stack

TODAY = date.today()


@pytest.fixture(scope="module")
async def app(stack: Stack) -> AsyncIterator[FastAPI]:
    async with isolated_parts(stack, "finpages", services=("finance",)) as parts:
        settings = stack.settings(FinanceSettings, **parts.overrides)
        async with running_app(build_app, settings) as (app, _):
            yield app


@asynccontextmanager
async def person(app: FastAPI, email: str, next: str) -> AsyncIterator[httpx.AsyncClient]:
    """A browser of ``email``'s, signed in (its own cookie jar)."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        back = await sign_in(client, email, next=next)
        assert back.status_code in (302, 303), back.text
        yield client


def csrf(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]*)"', page[page.find("<main") :])
    assert found, page
    return found.group(1)


async def scene(app: FastAPI) -> dict[str, str]:
    run = secrets.token_hex(4)
    alliance, one, two = f"pages-{run}", "200001", "200002"
    ctx: FinanceContext = app.state.finance
    lead, admin = f"lead@{run}.example.org", f"admin@{run}.example.org"
    async with ctx.runtime.transaction() as session:
        await staff_copy.put(session, alliance, admin, "administrator")
        await learn_school(session, alliance, one, "Hillview Primary", lead)
        await learn_school(session, alliance, two, "Beech Primary", f"other@{run}.example.org")
        for urn, kind, amount in (
            (one, Kind.PLACE, 9_000),
            (one, Kind.NO_SHOW_FEE, 4_500),
            (two, Kind.PLACE, 12_000),
        ):
            entry = Entry(
                alliance, urn, "x", kind, uuid4(), "AB12CD34", "Phonics", amount, TODAY, amount
            )
            await add_entries(session, uuid4(), [entry])
    return {"alliance": alliance, "one": one, "two": two, "lead": lead, "admin": admin}


async def test_the_cpd_lead_sees_their_schools_statement_and_no_other(app: FastAPI) -> None:
    s = await scene(app)
    own = f"/finance/{s['alliance']}/statements/{s['one']}"
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t"
    ) as anyone:
        away = await anyone.get(own)
        assert away.status_code == 303 and away.headers["location"].startswith("/signin?next=")
    async with person(app, s["lead"], own) as lead:
        page = await lead.get(own)
        assert page.status_code == 200, page.text
        assert "Hillview Primary" in page.text and "£135.00" in page.text
        assert "No-show fee" in page.text and "AB12CD34" in page.text
        assert (
            await lead.get(f"/finance/{s['alliance']}/statements/{s['two']}")
        ).status_code == 403
        assert (await lead.get(f"/finance/{s['alliance']}/statements")).status_code == 403
        bad = await lead.get(own, params={"from": "someday", "to": "2027-01-01"})
        assert bad.status_code == 422
        assert 'class="error-summary"' in bad.text and 'href="#from"' in bad.text


async def test_the_administrator_issues_an_invoice_from_the_page_and_credits_it(
    app: FastAPI,
) -> None:
    s = await scene(app)
    alliance = s["alliance"]
    async with person(app, s["admin"], f"/finance/{alliance}/statements") as admin:
        overview = await admin.get(f"/finance/{alliance}/statements")
        assert overview.status_code == 200, overview.text
        assert "Hillview Primary" in overview.text and "Beech Primary" in overview.text
        assert "£255.00" in overview.text  # all schools
        today = TODAY.isoformat()
        csv = await admin.get(
            f"/finance/{alliance}/statements.csv", params={"from": today, "to": today}
        )
        assert csv.status_code == 200 and csv.text.count("\n") == 4

        form_page = await admin.get(f"/finance/{alliance}/invoices")
        token = csrf(form_page.text)
        fields = {
            "school_urn": s["one"],
            "period_from": (TODAY - timedelta(days=1)).isoformat(),
            "period_to": (TODAY + timedelta(days=1)).isoformat(),
            "booking_id": "",
        }
        forged = await admin.post(
            f"/finance/{alliance}/invoices", data={**fields, "csrf_token": "1.x"}
        )
        assert forged.status_code == 403
        bad = await admin.post(
            f"/finance/{alliance}/invoices",
            data={**fields, "period_from": "last week", "csrf_token": token},
        )
        assert bad.status_code == 422
        assert 'class="error-summary"' in bad.text and 'href="#period_from"' in bad.text
        assert 'value="last week"' in bad.text
        issued = await admin.post(
            f"/finance/{alliance}/invoices", data={**fields, "csrf_token": token}
        )
        assert issued.status_code == 303, issued.text
        invoice_page = await admin.get(issued.headers["location"])
        assert invoice_page.status_code == 200
        assert "Invoice INV-000001" in invoice_page.text and "£135.00" in invoice_page.text
        nothing = await admin.post(
            f"/finance/{alliance}/invoices", data={**fields, "csrf_token": token}
        )
        assert nothing.status_code == 409 and "nothing to invoice" in nothing.text

        pdf = await admin.get(issued.headers["location"] + "/pdf")
        assert pdf.headers["content-type"] == "application/pdf"
        text = " ".join(pypdf.PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text().split())
        assert "Invoice INV-000001" in text and "Total £135.00" in text

        ask = issued.headers["location"] + "/credit-note"
        assert f'href="{ask}"' in invoice_page.text
        confirm = await admin.get(ask)
        assert confirm.status_code == 200, confirm.text
        assert "Issue a credit note for invoice INV-000001?" in confirm.text
        assert "-£135.00" in confirm.text and "Yes, issue the credit note" in confirm.text
        forged = await admin.post(ask, data={"csrf_token": "forged"})
        assert forged.status_code == 403
        assert "Credited in full by" not in (await admin.get(issued.headers["location"])).text
        credited = await admin.post(ask, data={"csrf_token": csrf(confirm.text)})
        assert credited.status_code == 303, credited.text
        note = await admin.get(credited.headers["location"])
        assert "Credit note INV-000002" in note.text and "-£135.00" in note.text
        again = await admin.get(issued.headers["location"])
        assert "Credited in full by" in again.text and "Issue a credit note" not in again.text
        twice = await admin.post(ask, data={"csrf_token": csrf(confirm.text)})
        assert twice.status_code == 409 and 'class="error-summary"' in twice.text
        assert (await admin.get(ask)).headers["location"] == issued.headers["location"]

    async with person(app, s["lead"], issued.headers["location"]) as lead:
        seen = await lead.get(issued.headers["location"])
        assert seen.status_code == 200 and "INV-000001" in seen.text
        assert "Issue a credit note" not in seen.text
        assert (await lead.get(issued.headers["location"] + "/credit-note")).status_code == 403
        assert (await lead.get(issued.headers["location"] + "/pdf")).status_code == 200


async def test_every_money_page_names_the_person_and_signs_them_out(app: FastAPI) -> None:
    s = await scene(app)
    own = f"/finance/{s['alliance']}/statements/{s['one']}"
    async with person(app, s["lead"], own) as lead:
        for path in ("/finance", own):
            page = await lead.get(path)
            assert page.status_code == 200, page.text
            header = page.text[: page.text.find("<main")]
            assert 'href="/finance"' in header
            assert re.search(r"Sign out [^<]+</button>", header), header
        token = re.search(r'name="csrf_token" value="([^"]*)"', header)
        assert token is not None
        refused = await lead.post("/signout", data={"csrf_token": "forged"})
        assert refused.status_code == 403
        assert (await lead.get(own)).status_code == 200
        out = await lead.post("/signout", data={"csrf_token": token.group(1)})
        assert out.status_code in (302, 303)
        assert (await lead.get(own)).status_code == 303
