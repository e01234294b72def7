"""Finance's JSON API: billing details, statements (JSON and CSV) and invoices."""

import csv
import io
from dataclasses import asdict
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Body, Response

from services.finance.api.deps import Admin, Ctx, From, Reader, To
from services.finance.api.schemas import (
    AllianceBillingIn,
    AllianceBillingOut,
    InvoiceOut,
    IssueIn,
    SchoolBillingIn,
    SchoolOut,
    SchoolTotalsOut,
    StatementOut,
    StatementsOut,
)
from services.finance.domain.statement import Statement
from services.finance.usecases import billing, invoices, statements
from services.finance.usecases.models import (
    AllianceBilling,
    InvoiceView,
    IssueRequest,
    SchoolBilling,
)
from shared.web.documented import problems

router = APIRouter(tags=["finance"])


def statement_out(s: Statement) -> StatementOut:
    return StatementOut.model_validate(asdict(s))


def invoice_out(view: InvoiceView) -> InvoiceOut:
    return InvoiceOut.model_validate(asdict(view))


def csv_text(rows: list[list[str]]) -> str:
    """CSV for a spreadsheet or a finance system; text that a spreadsheet would run as a
    formula (= + - @ first) is prefixed with an apostrophe."""

    def safe(cell: str) -> str:
        return (
            f"'{cell}"
            if cell[:1] in ("=", "+", "@") or (cell.startswith("-") and not cell[1:].isdigit())
            else cell
        )

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in rows:
        writer.writerow([safe(cell) for cell in row])
    return out.getvalue()


@router.get(
    "/alliances/{alliance_id}/billing",
    summary="The alliance's invoicing: its details, VAT, payment terms, per period or booking",
    responses=problems(404),
)
async def get_billing(ctx: Ctx, principal: Admin, alliance_id: str) -> AllianceBillingOut:
    found = await billing.get_alliance(ctx, principal, alliance_id)
    return AllianceBillingOut.model_validate(asdict(found))


@router.put(
    "/alliances/{alliance_id}/billing",
    summary="Set the alliance's invoicing (applies to invoices issued from now on)",
    responses=problems(404, 413),
)
async def put_billing(
    ctx: Ctx, principal: Admin, alliance_id: str, body: AllianceBillingIn
) -> AllianceBillingOut:
    saved = await billing.put_alliance(
        ctx, principal, alliance_id, AllianceBilling(**body.model_dump())
    )
    return AllianceBillingOut.model_validate(asdict(saved))


@router.get(
    "/alliances/{alliance_id}/schools",
    summary="The schools the alliance bills, with their billing details",
    responses=problems(404),
)
async def list_schools(ctx: Ctx, principal: Admin, alliance_id: str) -> list[SchoolOut]:
    found = await billing.list_schools(ctx, principal, alliance_id)
    return [SchoolOut.model_validate(asdict(s)) for s in found]


@router.put(
    "/alliances/{alliance_id}/schools/{urn}",
    summary="Set a school's billing details: address and finance contact (who gets invoices)",
    responses=problems(404, 413),
)
async def put_school(
    ctx: Ctx, principal: Admin, alliance_id: str, urn: str, body: SchoolBillingIn
) -> SchoolOut:
    saved = await billing.put_school(
        ctx, principal, alliance_id, urn, SchoolBilling(**body.model_dump(mode="json"))
    )
    return SchoolOut.model_validate(asdict(saved))


@router.get(
    "/alliances/{alliance_id}/statements",
    summary="Every school's totals for a period (administrators)",
    responses=problems(404),
)
async def all_statements(
    ctx: Ctx, principal: Admin, alliance_id: str, period_from: From, period_to: To
) -> StatementsOut:
    found = await statements.all_schools(ctx, principal, alliance_id, period_from, period_to)
    return StatementsOut(
        alliance_id=alliance_id,
        period_from=period_from,
        period_to=period_to,
        schools=[
            SchoolTotalsOut(
                school_urn=s.school_urn, school_name=s.school_name, summary=asdict(s.summary)
            )
            for s in found
        ],
        summary=asdict(statements.grand_total(found)),
    )


@router.get(
    "/alliances/{alliance_id}/statements.csv",
    summary="Every money fact of a period as CSV, one row each, amounts in pence",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}}, **problems(404)},
)
async def statements_csv(
    ctx: Ctx, principal: Admin, alliance_id: str, period_from: From, period_to: To
) -> Response:
    found = await statements.all_schools(ctx, principal, alliance_id, period_from, period_to)
    return csv_response(found, f"{alliance_id}-{period_from}-{period_to}.csv")


def csv_response(found: list[Statement], filename: str) -> Response:
    return Response(
        csv_text(statements.csv_rows(found)),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get(
    "/alliances/{alliance_id}/schools/{urn}/statement",
    summary="One school's statement for a period (administrators, the school's CPD lead)",
    responses=problems(404),
)
async def school_statement(
    ctx: Ctx, principal: Reader, alliance_id: str, urn: str, period_from: From, period_to: To
) -> StatementOut:
    found = await statements.statement(ctx, principal, alliance_id, urn, period_from, period_to)
    return statement_out(found)


@router.post(
    "/alliances/{alliance_id}/invoices",
    status_code=201,
    summary="Issue an invoice: a school and period, or a booking (as the alliance invoices)",
    responses=problems(404, 409, 413),
)
async def issue_invoice(
    ctx: Ctx, principal: Admin, alliance_id: str, body: Annotated[IssueIn, Body()]
) -> InvoiceOut:
    asked = IssueRequest(**body.model_dump())
    return invoice_out(await invoices.issue(ctx, principal, alliance_id, asked))


@router.get(
    "/alliances/{alliance_id}/invoices",
    summary="The alliance's invoices and credit notes, newest first (without lines)",
    responses=problems(404),
)
async def list_invoices(ctx: Ctx, principal: Admin, alliance_id: str) -> list[InvoiceOut]:
    return [invoice_out(v) for v in await invoices.list_for(ctx, principal, alliance_id)]


@router.get(
    "/invoices/{invoice_id}",
    summary="One invoice or credit note with its lines",
    responses=problems(404),
)
async def get_invoice(ctx: Ctx, principal: Reader, invoice_id: UUID) -> InvoiceOut:
    return invoice_out(await invoices.get(ctx, principal, invoice_id))


@router.post(
    "/invoices/{invoice_id}/credit-note",
    status_code=201,
    summary="Credit an invoice in full (an issued invoice never changes; this corrects it)",
    responses=problems(404, 409),
)
async def credit_invoice(ctx: Ctx, principal: Admin, invoice_id: UUID) -> InvoiceOut:
    return invoice_out(await invoices.credit(ctx, principal, invoice_id))
