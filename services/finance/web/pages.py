"""Finance pages (GOV.UK patterns, no JavaScript needed): an alliance's statements and
invoices for its administrators, a school's statement for its CPD lead, an invoice and its PDF.
They call the same use cases as the JSON API. Every form carries the kernel's CSRF token."""

import calendar
from datetime import date
from pathlib import Path
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.finance.api.deps import Ctx
from services.finance.api.routes import csv_response
from services.finance.domain.ledger import LABELS, Kind
from services.finance.domain.money import pounds
from services.finance.domain.statement import SUMMARY_LABELS
from services.finance.pdf import render as render_pdf
from services.finance.usecases import invoices, statements
from services.finance.usecases.models import InvoiceView, IssueRequest
from shared.errors import DomainError, Forbidden, Invalid, NotFound
from shared.identity import Principal, Role
from shared.web.csrf import Csrf
from shared.web.documented import problems
from shared.web.pages import page_environment
from shared.web.signin import (
    SignedIn,
    SignInRequired,
    here,
    identity_of,
    principal_for,
    signed_in_person,
    signout_token,
)

router = APIRouter(prefix="/finance", tags=["finance pages"])
_pages = page_environment(Path(__file__).parent / "templates")
_pages.filters["pounds"] = pounds
_pages.filters["day"] = lambda d: f"{d.day} {d:%B %Y}" if d else ""
_pages.globals["kind_label"] = lambda k: LABELS[Kind(k)]
_pages.globals["summary_labels"] = SUMMARY_LABELS

AdminPage = Annotated[Principal, Depends(principal_for(Role.ALLIANCE_ADMIN, page=True))]


def render(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    csrf: Csrf = request.app.state.csrf
    context.setdefault("person", signed_in_person(request))
    html = _pages.get_template(name).render(
        csrf_token=csrf.token(request), signout_token=signout_token(request), **context
    )
    return HTMLResponse(html, status_code=status)


def check_csrf(request: Request, submitted: str) -> None:
    csrf: Csrf = request.app.state.csrf
    csrf.check(request, submitted)


async def hats(request: Request) -> list[Principal]:
    """Every hat of the caller here: the bearer token's principal, else the signed-in
    person's; nobody, off to sign in."""
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return [request.app.state.token_verifier.verify(header[7:].strip())]
    identity = await identity_of(request)
    if identity is None:
        raise SignInRequired(here(request))
    return list(identity.principals)


Hats = Annotated[list[Principal], Depends(hats)]


def this_month(today: date) -> tuple[date, date]:
    last = calendar.monthrange(today.year, today.month)[1]
    return today.replace(day=1), today.replace(day=last)


def read_period(
    ctx: Any, raw_from: str | None, raw_to: str | None
) -> tuple[date, date, dict[str, str]]:
    """The period a page shows (this month unless asked), and any field errors."""
    default_from, default_to = this_month(ctx.today())
    errors: dict[str, str] = {}
    values = []
    for name, raw, default in (("from", raw_from, default_from), ("to", raw_to, default_to)):
        if not raw:
            values.append(default)
            continue
        try:
            values.append(date.fromisoformat(raw.strip()))
        except ValueError:
            errors[name] = (
                f"Enter the {'first' if name == 'from' else 'last'} day as a date, like 2027-01-31"
            )
            values.append(default)
    if not errors and values[1] < values[0]:
        errors["to"] = "The last day must be the same as or after the first day"
    if not errors and (values[1] - values[0]).days > 366:
        errors["to"] = "A period is at most a year"
    return values[0], values[1], errors


@router.get("", response_class=HTMLResponse, include_in_schema=False)
async def finance_home(request: Request, identity: SignedIn) -> HTMLResponse:
    return render(request, "home.html", hats=identity.principals, person=identity.person)


@router.get(
    "/{alliance_id}/statements",
    response_class=HTMLResponse,
    summary="Every school's totals for a period, with the CSV (administrators)",
    responses=problems(403, 404),
)
async def statements_page(
    request: Request,
    ctx: Ctx,
    principal: AdminPage,
    alliance_id: str,
) -> HTMLResponse:
    raw_from = request.query_params.get("from")
    raw_to = request.query_params.get("to")
    start, end, errors = read_period(ctx, raw_from, raw_to)
    found = [] if errors else await statements.all_schools(ctx, principal, alliance_id, start, end)
    return render(
        request,
        "statements.html",
        422 if errors else 200,
        alliance_id=alliance_id,
        period_from=start,
        period_to=end,
        raw={"from": raw_from or start.isoformat(), "to": raw_to or end.isoformat()},
        found=found,
        total=statements.grand_total(found),
        errors=errors,
    )


@router.get(
    "/{alliance_id}/statements.csv",
    summary="Every money fact of a period as CSV (administrators; signed in or bearer)",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}}, **problems(403, 404)},
)
async def statements_csv_page(
    request: Request, ctx: Ctx, principal: AdminPage, alliance_id: str
) -> Response:
    start, end, errors = read_period(
        ctx, request.query_params.get("from"), request.query_params.get("to")
    )
    if errors:
        raise Invalid(
            "the period is not valid",
            errors=[{"field": k, "message": v} for k, v in errors.items()],
        )
    found = await statements.all_schools(ctx, principal, alliance_id, start, end)
    return csv_response(found, f"{alliance_id}-{start}-{end}.csv")


@router.get(
    "/{alliance_id}/statements/{urn}",
    response_class=HTMLResponse,
    summary="One school's statement (administrators, the school's CPD lead)",
    responses=problems(403, 404),
)
async def school_statement_page(
    request: Request, ctx: Ctx, caller: Hats, alliance_id: str, urn: str
) -> HTMLResponse:
    raw_from, raw_to = request.query_params.get("from"), request.query_params.get("to")
    start, end, errors = read_period(ctx, raw_from, raw_to)
    principal = next(
        (
            p
            for p in caller
            if p.alliance_id == alliance_id
            and (p.has(Role.ALLIANCE_ADMIN) or (p.has(Role.SCHOOL_LEAD) and p.school_urn == urn))
        ),
        None,
    )
    if principal is None:
        raise Forbidden("only the alliance's administrators and the school's CPD lead may see this")
    found = None
    if not errors:
        found = await statements.statement(ctx, principal, alliance_id, urn, start, end)
    school_invoices = await invoices.list_for(ctx, principal, alliance_id, urn)
    return render(
        request,
        "statement.html",
        422 if errors else 200,
        alliance_id=alliance_id,
        urn=urn,
        statement=found,
        invoices=school_invoices,
        raw={"from": raw_from or start.isoformat(), "to": raw_to or end.isoformat()},
        is_admin=principal.has(Role.ALLIANCE_ADMIN),
        errors=errors,
    )


@router.get(
    "/{alliance_id}/invoices",
    response_class=HTMLResponse,
    summary="The alliance's invoices, and the form to issue one (administrators)",
    responses=problems(403, 404),
)
async def invoices_page(
    request: Request, ctx: Ctx, principal: AdminPage, alliance_id: str
) -> HTMLResponse:
    return await _invoices(request, ctx, principal, alliance_id)


async def _invoices(
    request: Request,
    ctx: Ctx,
    principal: Principal,
    alliance_id: str,
    status: int = 200,
    errors: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
) -> HTMLResponse:
    found = await invoices.list_for(ctx, principal, alliance_id)
    start, end = this_month(ctx.today())
    return render(
        request,
        "invoices.html",
        status,
        alliance_id=alliance_id,
        invoices=found,
        form=form
        or {
            "school_urn": "",
            "period_from": start.isoformat(),
            "period_to": end.isoformat(),
            "booking_id": "",
        },
        errors=errors or {},
    )


@router.post(
    "/{alliance_id}/invoices",
    response_class=HTMLResponse,
    summary="Issue an invoice from the page (a school and period, or a booking)",
    responses=problems(403, 404, 409),
)
async def issue_from_page(
    request: Request,
    ctx: Ctx,
    principal: AdminPage,
    alliance_id: str,
    csrf_token: Annotated[str, Form(max_length=200)] = "",
    school_urn: Annotated[str, Form(max_length=20)] = "",
    period_from: Annotated[str, Form(max_length=20)] = "",
    period_to: Annotated[str, Form(max_length=20)] = "",
    booking_id: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    check_csrf(request, csrf_token)
    form = {
        "school_urn": school_urn,
        "period_from": period_from,
        "period_to": period_to,
        "booking_id": booking_id,
    }
    errors: dict[str, str] = {}
    parsed: dict[str, Any] = {}
    for name, raw in (("period_from", period_from), ("period_to", period_to)):
        if raw.strip():
            try:
                parsed[name] = date.fromisoformat(raw.strip())
            except ValueError:
                errors[name] = "Enter the day as a date, like 2027-01-31"
    if booking_id.strip():
        try:
            parsed["booking_id"] = UUID(booking_id.strip())
        except ValueError:
            errors["booking_id"] = "Enter the booking's id as shown on its page"
    if errors:
        return await _invoices(request, ctx, principal, alliance_id, 422, errors, form)
    asked = IssueRequest(school_urn=school_urn.strip() or None, **parsed)
    try:
        issued = await invoices.issue(ctx, principal, alliance_id, asked)
    except Invalid as exc:
        errors = {e["field"]: e["message"] for e in exc.errors} or {"school_urn": exc.detail}
        return await _invoices(request, ctx, principal, alliance_id, 422, errors, form)
    except DomainError as exc:
        if isinstance(exc, NotFound | Forbidden):
            raise
        errors = {"school_urn": exc.detail}
        return await _invoices(request, ctx, principal, alliance_id, 409, errors, form)
    return RedirectResponse(f"/finance/invoices/{issued.id}", status_code=303)


async def _readable(
    ctx: Ctx, caller: list[Principal], invoice_id: UUID
) -> tuple[Principal, InvoiceView]:
    for principal in caller:
        try:
            return principal, await invoices.get(ctx, principal, invoice_id)
        except NotFound:
            continue
    raise NotFound("no such invoice")


@router.get(
    "/invoices/{invoice_id}",
    response_class=HTMLResponse,
    summary="One invoice or credit note (administrators, the school's CPD lead or finance contact)",
    responses=problems(404),
)
async def invoice_page(request: Request, ctx: Ctx, caller: Hats, invoice_id: UUID) -> HTMLResponse:
    principal, invoice = await _readable(ctx, caller, invoice_id)
    is_admin = principal.has(Role.ALLIANCE_ADMIN)
    return render(request, "invoice.html", invoice=invoice, is_admin=is_admin, errors={})


@router.get(
    "/invoices/{invoice_id}/pdf",
    summary="The invoice as PDF",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}, **problems(404)},
)
async def invoice_pdf(ctx: Ctx, caller: Hats, invoice_id: UUID) -> Response:
    _, invoice = await _readable(ctx, caller, invoice_id)
    return Response(
        render_pdf(invoice),
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{invoice.number}.pdf"'},
    )


@router.get(
    "/invoices/{invoice_id}/credit-note",
    response_class=HTMLResponse,
    summary="Asks before crediting an invoice in full (administrators)",
    responses=problems(403, 404, 409),
)
async def confirm_credit(request: Request, ctx: Ctx, caller: Hats, invoice_id: UUID) -> Response:
    principal, invoice = await _readable(ctx, caller, invoice_id)
    if not principal.has(Role.ALLIANCE_ADMIN):
        raise Forbidden("only the alliance's administrators credit an invoice")
    if invoice.kind != "invoice" or invoice.credited_by_number:
        return RedirectResponse(f"/finance/invoices/{invoice.id}", status_code=303)
    return render(request, "credit_note.html", invoice=invoice, errors={})


@router.post(
    "/invoices/{invoice_id}/credit-note",
    response_class=HTMLResponse,
    summary="Credit an invoice in full from its page (administrators)",
    responses=problems(403, 404, 409),
)
async def credit_from_page(
    request: Request,
    ctx: Ctx,
    caller: Hats,
    invoice_id: UUID,
    csrf_token: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    check_csrf(request, csrf_token)
    principal, invoice = await _readable(ctx, caller, invoice_id)
    try:
        note = await invoices.credit(ctx, principal, invoice_id)
    except DomainError as exc:
        if isinstance(exc, NotFound | Forbidden):
            raise
        return render(
            request, "credit_note.html", 409, invoice=invoice, errors={"credit": exc.detail}
        )
    return RedirectResponse(f"/finance/invoices/{note.id}", status_code=303)
