"""Invoices against finance's real database: numbers without gaps under concurrent issuing,
an issued invoice that nothing can change, and a credit note that corrects it."""

import asyncio
import secrets
from collections.abc import AsyncIterator
from datetime import date, timedelta
from uuid import uuid4

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from services.finance.app import build_app
from services.finance.config import FinanceSettings
from services.finance.domain.ledger import Entry, Kind
from services.finance.repository import add_entries, learn_school
from services.finance.usecases.context import FinanceContext
from tests.support.apps import running_app
from tests.support.isolated import isolated_parts
from tests.support.stack import Stack

TODAY = date.today()
PERIOD = {
    "period_from": (TODAY - timedelta(days=1)).isoformat(),
    "period_to": (TODAY + timedelta(days=1)).isoformat(),
}


@pytest.fixture(scope="module")
async def finance(stack: Stack) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    async with isolated_parts(stack, "invoices", services=("finance",)) as parts:
        settings = stack.settings(FinanceSettings, **parts.overrides)
        async with running_app(build_app, settings) as running:
            yield running


async def charge(app: FastAPI, alliance: str, urn: str, *amounts: int) -> None:
    """Money facts for a school, as the consumer would record them."""
    ctx: FinanceContext = app.state.finance
    async with ctx.runtime.transaction() as session:
        await learn_school(session, alliance, urn, f"School {urn}", None)
        for amount in amounts:  # one event each, as bookings publishes them
            entry = Entry(
                alliance,
                urn,
                f"School {urn}",
                Kind.PLACE,
                uuid4(),
                "REF",
                "Phonics",
                amount,
                TODAY,
                amount,
            )
            await add_entries(session, uuid4(), [entry])


async def test_concurrent_issuing_gives_numbers_without_gaps(
    finance: tuple[FastAPI, httpx.AsyncClient], stack: Stack
) -> None:
    app, api = finance
    alliance = f"numbers-{secrets.token_hex(4)}"
    admin = stack.auth("alliance_admin", alliance)
    schools = [f"{100_000 + n}" for n in range(24)]
    for urn in schools[:16]:
        await charge(app, alliance, urn, 9_000)
    # Eight of the 24 have nothing to invoice: their refusals must not use up a number.

    async def issue(urn: str) -> httpx.Response:
        return await api.post(
            f"/alliances/{alliance}/invoices", json={"school_urn": urn, **PERIOD}, headers=admin
        )

    answers = await asyncio.gather(*(issue(urn) for urn in schools))
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [201] * 16 + [409] * 8, [a.text for a in answers if a.status_code >= 500]
    numbers = sorted(a.json()["number"] for a in answers if a.status_code == 201)
    assert numbers == [f"INV-{n:06d}" for n in range(1, 17)]
    # And the next one carries on from there.
    await charge(app, alliance, schools[0], 1_000)
    assert (await issue(schools[0])).json()["number"] == "INV-000017"


async def test_an_issued_invoice_cannot_change_and_a_credit_note_corrects_it(
    finance: tuple[FastAPI, httpx.AsyncClient], stack: Stack
) -> None:
    app, api = finance
    alliance = f"fixed-{secrets.token_hex(4)}"
    admin = stack.auth("alliance_admin", alliance)
    urn = "123456"
    await charge(app, alliance, urn, 9_000, 12_000)
    issued = await api.post(
        f"/alliances/{alliance}/invoices", json={"school_urn": urn, **PERIOD}, headers=admin
    )
    assert issued.status_code == 201, issued.text
    invoice = issued.json()
    assert invoice["total_pence"] == 21_000

    # No route changes it...
    for method in ("PUT", "PATCH", "DELETE"):
        response = await api.request(method, f"/invoices/{invoice['id']}", headers=admin)
        assert response.status_code == 405, (method, response.status_code)
    # ...and the database refuses whoever tries, lines included.
    ctx: FinanceContext = app.state.finance
    for statement in (
        "UPDATE invoices SET total_pence = 1 WHERE id = :id",
        "DELETE FROM invoices WHERE id = :id",
        "UPDATE invoice_lines SET amount_pence = 1 WHERE invoice_id = :id",
        "DELETE FROM invoice_lines WHERE invoice_id = :id",
    ):
        with pytest.raises(DBAPIError, match="an issued invoice cannot change"):
            async with ctx.runtime.transaction() as session:
                await session.execute(text(statement), {"id": invoice["id"]})
    again = await api.get(f"/invoices/{invoice['id']}", headers=admin)
    assert again.json() == invoice

    credited = await api.post(f"/invoices/{invoice['id']}/credit-note", headers=admin)
    assert credited.status_code == 201, credited.text
    note = credited.json()
    assert (note["kind"], note["number"], note["total_pence"]) == (
        "credit_note",
        "INV-000002",
        -21_000,
    )
    assert note["credits_invoice_id"] == invoice["id"]
    assert [line["amount_pence"] for line in note["lines"]] == [-9_000, -12_000]
    twice = await api.post(f"/invoices/{invoice['id']}/credit-note", headers=admin)
    assert twice.status_code == 409
    original = (await api.get(f"/invoices/{invoice['id']}", headers=admin)).json()
    assert original["credited_by_number"] == "INV-000002"
    assert original["total_pence"] == 21_000  # unchanged

    # The charges are free again: a corrected invoice takes them (with a new number).
    await api.put(
        f"/alliances/{alliance}/billing",
        json={"name": "Fixed TSA", "vat_registered": True, "vat_rate_bp": 2000},
        headers=admin,
    )
    corrected = await api.post(
        f"/alliances/{alliance}/invoices", json={"school_urn": urn, **PERIOD}, headers=admin
    )
    assert corrected.status_code == 201, corrected.text
    assert (corrected.json()["number"], corrected.json()["total_pence"]) == ("INV-000003", 25_200)


async def test_bad_input_is_named_field_by_field(
    finance: tuple[FastAPI, httpx.AsyncClient], stack: Stack
) -> None:
    _, api = finance
    alliance = f"bad-{secrets.token_hex(4)}"
    admin = stack.auth("alliance_admin", alliance)
    response = await api.post(
        f"/alliances/{alliance}/invoices",
        json={"school_urn": "12", "period_from": "yesterday"},
        headers=admin,
    )
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert {"school_urn", "period_from"} <= fields
    backwards = await api.post(
        f"/alliances/{alliance}/invoices",
        json={"school_urn": "123456", "period_from": "2027-02-01", "period_to": "2027-01-01"},
        headers=admin,
    )
    assert backwards.status_code == 422, backwards.text
    assert [e["field"] for e in backwards.json()["errors"]] == ["to"]
    lead = stack.auth("school_lead", alliance, school_urn="123456")
    refused = await api.post(
        f"/alliances/{alliance}/invoices", json={"school_urn": "123456", **PERIOD}, headers=lead
    )
    assert refused.status_code == 403


async def test_an_alliance_that_invoices_per_booking_names_the_booking(
    finance: tuple[FastAPI, httpx.AsyncClient], stack: Stack
) -> None:
    app, api = finance
    alliance = f"perbooking-{secrets.token_hex(4)}"
    admin = stack.auth("alliance_admin", alliance)
    urn, booking, other = "654321", uuid4(), uuid4()
    ctx: FinanceContext = app.state.finance
    async with ctx.runtime.transaction() as session:
        await learn_school(session, alliance, urn, "Hillview Primary", None)
        for subject, kind, amount in (
            (booking, Kind.PLACE, 9_000),
            (booking, Kind.LATE_CANCELLATION_FEE, 4_500),
            (other, Kind.PLACE, 12_000),
        ):
            entry = Entry(
                alliance, urn, "x", kind, subject, "REF", "Phonics", amount, TODAY, amount
            )
            await add_entries(session, uuid4(), [entry])
    settings = await api.put(
        f"/alliances/{alliance}/billing",
        json={"name": "Per Booking TSA", "invoice_per": "booking", "number_prefix": "PB"},
        headers=admin,
    )
    assert settings.status_code == 200, settings.text
    unnamed = await api.post(
        f"/alliances/{alliance}/invoices", json={"school_urn": urn, **PERIOD}, headers=admin
    )
    assert unnamed.status_code == 422
    assert [e["field"] for e in unnamed.json()["errors"]] == ["booking_id"]
    issued = await api.post(
        f"/alliances/{alliance}/invoices", json={"booking_id": str(booking)}, headers=admin
    )
    assert issued.status_code == 201, issued.text
    invoice = issued.json()
    assert (invoice["number"], invoice["booking_id"], invoice["net_pence"]) == (
        "PB-000001",
        str(booking),
        13_500,
    )
    assert invoice["period_from"] is None and invoice["vat_pence"] == 0  # not VAT registered
