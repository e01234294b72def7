"""Issuing invoices and credit notes, and reading them.

Numbers: the alliance's counter row is locked FOR UPDATE first thing in the issuing
transaction and incremented in it, so issuers queue per alliance and a number is used only if
its invoice commits: no gaps, no repeats. An issued invoice never changes (a database trigger
refuses it); a credit note reverses one whole, and its money facts are free to be invoiced
again, correctly.
"""

from collections.abc import Mapping
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy.ext.asyncio import AsyncSession

from services.finance import repository as repo
from services.finance.domain import invoice as rules
from services.finance.domain.ledger import LABELS, Kind
from services.finance.usecases.access import require_admin, require_school_reader
from services.finance.usecases.context import FinanceContext
from services.finance.usecases.models import InvoiceLineView, InvoiceView, IssueRequest
from services.finance.usecases.statements import valid_period
from shared.contracts.common import Contact, SchoolRef
from shared.contracts.finance import InvoiceInfo, InvoiceIssued
from shared.errors import Conflict, Forbidden, Invalid, NotFound
from shared.identity import Principal


def _field_error(field: str, message: str) -> Invalid:
    return Invalid(message, errors=[{"field": field, "message": message}])


def line_text(row: Mapping[str, Any]) -> str:
    return f"{LABELS[Kind(row['kind'])]}: {row['description']}"


async def _locked_alliance(
    ctx: FinanceContext, session: AsyncSession, alliance_id: str
) -> Mapping[str, Any]:
    await repo.bound_lock_wait(session, ctx.lock_timeout_ms)
    await repo.ensure_alliance(session, alliance_id)
    alliance = await repo.get_alliance(session, alliance_id, lock=True)
    assert alliance is not None
    return alliance


async def issue(
    ctx: FinanceContext, principal: Principal, alliance_id: str, asked: IssueRequest
) -> InvoiceView:
    require_admin(principal, alliance_id)
    async with ctx.runtime.transaction() as session:
        alliance = await _locked_alliance(ctx, session, alliance_id)
        if alliance["invoice_per"] == "booking":
            if asked.booking_id is None:
                raise _field_error(
                    "booking_id", "this alliance invoices per booking: name the booking"
                )
            urn = await repo.booking_school(session, alliance_id, asked.booking_id)
            if urn is None:
                raise NotFound("no money facts for that booking in this alliance")
            found = await repo.uninvoiced_for_update(
                session, alliance_id, urn, booking_id=asked.booking_id
            )
        else:
            if not asked.school_urn:
                raise _field_error("school_urn", "name the school to invoice")
            if asked.period_from is None or asked.period_to is None:
                raise _field_error("period_to", "give the period: its first and last day")
            valid_period(asked.period_from, asked.period_to)
            urn = asked.school_urn
            period = (asked.period_from, asked.period_to)
            found = await repo.uninvoiced_for_update(session, alliance_id, urn, period=period)
        if not found:
            raise Conflict(
                "nothing to invoice: every charge and credit is already invoiced",
                title="Nothing to invoice",
            )
        school = await repo.get_school(session, alliance_id, urn)
        assert school is not None
        terms = rules.Terms(
            alliance["vat_registered"], alliance["vat_rate_bp"], alliance["payment_terms_days"]
        )
        money = rules.invoice_totals([row["amount_pence"] for row in found], terms)
        seq = await repo.take_number(session, alliance_id)
        today = ctx.today()
        invoice_id = uuid4()
        lines = [
            {
                "invoice_id": invoice_id,
                "line_no": n,
                "entry_id": row["id"],
                "kind": row["kind"],
                "reference": row["reference"],
                "description": line_text(row)[:300],
                "occurred_on": row["occurred_on"],
                "quantity": row["quantity"],
                "unit_pence": row["unit_pence"],
                "amount_pence": row["amount_pence"],
            }
            for n, row in enumerate(found, start=1)
        ]
        values = {
            "id": invoice_id,
            "alliance_id": alliance_id,
            "seq": seq,
            "number": rules.invoice_number(alliance["number_prefix"], seq),
            "kind": "invoice",
            "credits_invoice_id": None,
            "school_urn": urn,
            "school_name": school["name"],
            "school_address": school["address"],
            "finance_contact_name": school["finance_contact_name"],
            "finance_contact_email": school["finance_contact_email"],
            "alliance_name": alliance["name"],
            "alliance_address": alliance["address"],
            "vat_registered": alliance["vat_registered"],
            "vat_number": alliance["vat_number"],
            "vat_rate_bp": alliance["vat_rate_bp"],
            "period_from": asked.period_from if asked.booking_id is None else None,
            "period_to": asked.period_to if asked.booking_id is None else None,
            "booking_id": asked.booking_id if alliance["invoice_per"] == "booking" else None,
            "issued_on": today,
            "due_on": rules.due_on(today, alliance["payment_terms_days"]),
            "net_pence": money.net_pence,
            "vat_pence": money.vat_pence,
            "total_pence": money.total_pence,
            "issued_by": principal.email or principal.subject,
        }
        await repo.insert_invoice(session, lines, **values)
        await repo.mark_invoiced(session, [row["id"] for row in found], invoice_id)
        await ctx.runtime.outbox.add(session, issued_event(ctx, values))
    return await get(ctx, principal, invoice_id)


async def credit(ctx: FinanceContext, principal: Principal, invoice_id: UUID) -> InvoiceView:
    """A credit note for the whole of ``invoice_id``; its money facts may be invoiced again."""
    async with ctx.runtime.sessions() as session:
        original = await repo.get_invoice(session, invoice_id)
    if original is None:
        raise NotFound("no such invoice")
    require_admin(principal, original["alliance_id"])
    alliance_id = original["alliance_id"]
    async with ctx.runtime.transaction() as session:
        alliance = await _locked_alliance(ctx, session, alliance_id)
        invoice = await repo.get_invoice_for_update(session, invoice_id)
        assert invoice is not None
        if invoice["kind"] != "invoice":
            raise Conflict("a credit note cannot itself be credited", title="Not an invoice")
        if await repo.credit_note_of(session, invoice_id) is not None:
            raise Conflict("this invoice has already been credited", title="Already credited")
        money = rules.credit_totals(
            invoice["net_pence"], invoice["vat_pence"], invoice["total_pence"]
        )
        seq = await repo.take_number(session, alliance_id)
        today = ctx.today()
        note_id = uuid4()
        lines = [
            {
                **dict(line),
                "invoice_id": note_id,
                "unit_pence": -line["unit_pence"],
                "amount_pence": -line["amount_pence"],
            }
            for line in await repo.lines_of(session, invoice_id)
        ]
        values = {
            **{k: invoice[k] for k in invoice if k not in ("id", "seq", "number", "created_at")},
            "id": note_id,
            "seq": seq,
            "number": rules.invoice_number(alliance["number_prefix"], seq),
            "kind": "credit_note",
            "credits_invoice_id": invoice_id,
            "issued_on": today,
            "due_on": today,
            "net_pence": money.net_pence,
            "vat_pence": money.vat_pence,
            "total_pence": money.total_pence,
            "issued_by": principal.email or principal.subject,
        }
        await repo.insert_invoice(session, lines, **values)
        await repo.release_invoice(session, invoice_id)
        await ctx.runtime.outbox.add(session, issued_event(ctx, values))
    return await get(ctx, principal, note_id)


def issued_event(ctx: FinanceContext, values: Mapping[str, Any]) -> InvoiceIssued:
    contact = None
    if values["finance_contact_email"]:
        contact = Contact(
            name=values["finance_contact_name"] or values["school_name"],
            email=values["finance_contact_email"],
            role="finance contact",
        )
    return InvoiceIssued(
        invoice=InvoiceInfo(
            invoice_id=values["id"],
            number=values["number"],
            kind=values["kind"],
            alliance_id=values["alliance_id"],
            alliance_name=values["alliance_name"],
            school=SchoolRef(urn=values["school_urn"], name=values["school_name"]),
            issued_on=values["issued_on"],
            due_on=values["due_on"],
            net_pence=values["net_pence"],
            vat_pence=values["vat_pence"],
            total_pence=values["total_pence"],
            url=ctx.invoice_url(values["id"]),
        ),
        finance_contact=contact,
    )


def view_of(row: Mapping[str, Any], lines: list[Mapping[str, Any]]) -> InvoiceView:
    fields = set(InvoiceView.__dataclass_fields__) - {"lines"}
    return InvoiceView(
        **{k: row[k] for k in fields if k in row},
        lines=[
            InvoiceLineView(
                line_no=line["line_no"],
                kind=line["kind"],
                reference=line["reference"],
                description=line["description"],
                occurred_on=line["occurred_on"],
                quantity=float(line["quantity"]),
                unit_pence=line["unit_pence"],
                amount_pence=line["amount_pence"],
            )
            for line in lines
        ],
    )


async def get(ctx: FinanceContext, principal: Principal, invoice_id: UUID) -> InvoiceView:
    async with ctx.runtime.sessions() as session:
        row = await repo.get_invoice(session, invoice_id)
        if row is None:
            raise NotFound("no such invoice")
        try:
            require_school_reader(principal, row["alliance_id"], row["school_urn"])
        except (Forbidden, NotFound):
            raise NotFound("no such invoice") from None
        lines = list(await repo.lines_of(session, invoice_id))
    return view_of(row, lines)


async def list_for(
    ctx: FinanceContext, principal: Principal, alliance_id: str, urn: str | None = None
) -> list[InvoiceView]:
    if urn is None:
        require_admin(principal, alliance_id)
    else:
        require_school_reader(principal, alliance_id, urn)
    async with ctx.runtime.sessions() as session:
        rows = await repo.list_invoices(session, alliance_id, urn)
    return [view_of(row, []) for row in rows]
