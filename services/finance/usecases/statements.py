"""Statements: one school's money facts for a period with its totals, every school's totals
for the alliance's administrators, and the same as CSV rows for a finance system."""

from collections.abc import Mapping
from datetime import date
from typing import Any

from services.finance import repository as repo
from services.finance.domain.ledger import Kind
from services.finance.domain.statement import Line, Statement, Summary, check_period, summarise
from services.finance.usecases.access import require_admin, require_school_reader
from services.finance.usecases.context import FinanceContext
from shared.errors import Invalid
from shared.identity import Principal


def valid_period(period_from: date, period_to: date) -> None:
    try:
        check_period(period_from, period_to)
    except ValueError as exc:
        raise Invalid(str(exc), errors=[{"field": "to", "message": str(exc)}]) from None


def line_of(row: Mapping[str, Any]) -> Line:
    return Line(
        entry_id=row["id"],
        occurred_on=row["occurred_on"],
        kind=Kind(row["kind"]),
        reference=row["reference"],
        subject_id=row["subject_id"],
        description=row["description"],
        price_band=row["price_band"],
        quantity=float(row["quantity"]),
        unit_pence=row["unit_pence"],
        amount_pence=row["amount_pence"],
        invoice_number=row["invoice_number"],
    )


async def statement(
    ctx: FinanceContext,
    principal: Principal,
    alliance_id: str,
    urn: str,
    period_from: date,
    period_to: date,
) -> Statement:
    require_school_reader(principal, alliance_id, urn)
    valid_period(period_from, period_to)
    async with ctx.runtime.sessions() as session:
        school = await repo.get_school(session, alliance_id, urn)
        rows = await repo.school_entries(session, alliance_id, urn, period_from, period_to)
    lines = [line_of(row) for row in rows]
    return Statement(
        alliance_id=alliance_id,
        school_urn=urn,
        school_name=school["name"] if school else urn,
        period_from=period_from,
        period_to=period_to,
        lines=lines,
        summary=summarise(lines),
    )


async def all_schools(
    ctx: FinanceContext, principal: Principal, alliance_id: str, period_from: date, period_to: date
) -> list[Statement]:
    """Every school with money facts in the period, by name (administrators only)."""
    require_admin(principal, alliance_id)
    valid_period(period_from, period_to)
    async with ctx.runtime.sessions() as session:
        rows = await repo.alliance_entries(session, alliance_id, period_from, period_to)
        names = {s["urn"]: s["name"] for s in await repo.list_schools(session, alliance_id)}
    by_school: dict[str, list[Line]] = {}
    for row in rows:
        by_school.setdefault(row["school_urn"], []).append(line_of(row))
    found = [
        Statement(
            alliance_id, urn, names.get(urn, urn), period_from, period_to, lines, summarise(lines)
        )
        for urn, lines in by_school.items()
    ]
    return sorted(found, key=lambda s: (s.school_name.lower(), s.school_urn))


CSV_HEADER = [
    "alliance_id",
    "school_urn",
    "school_name",
    "date",
    "kind",
    "reference",
    "description",
    "price_band",
    "quantity",
    "unit_pence",
    "amount_pence",
    "invoice_number",
]


def csv_rows(statements: list[Statement]) -> list[list[str]]:
    """One row per money fact, amounts in integer pence (what a finance system imports)."""
    rows = [CSV_HEADER]
    for s in statements:
        for line in s.lines:
            rows.append(
                [
                    s.alliance_id,
                    s.school_urn,
                    s.school_name,
                    line.occurred_on.isoformat(),
                    line.kind.value,
                    line.reference,
                    line.description,
                    line.price_band or "",
                    f"{line.quantity:g}",
                    str(line.unit_pence),
                    str(line.amount_pence),
                    line.invoice_number or "",
                ]
            )
    return rows


def grand_total(statements: list[Statement]) -> Summary:
    return summarise(line for s in statements for line in s.lines)
