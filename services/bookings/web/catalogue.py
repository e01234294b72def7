"""The public pages of the network's CPD offer: the catalogue with its filters, and the CPD
matrix (which alliance offers what). GET forms only, so they work without JavaScript; a filter
that cannot be read is shown in the GOV.UK error summary (422) and left out of the search."""

from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from services.bookings.api.deps import Ctx
from services.bookings.domain.model import Phase, Strand
from services.bookings.usecases import catalogue
from services.bookings.web.formatting import alliance_name
from services.bookings.web.pages import identify, render
from shared.web.ratelimit import PublicPage

router = APIRouter(include_in_schema=False)
PER_PAGE = 20


@dataclass
class Asked:
    """The filters as typed (shown back in the form) and as understood."""

    values: dict[str, str]
    filters: catalogue.CatalogueFilters
    errors: dict[str, str]


def _date(raw: str, field: str, label: str, errors: dict[str, str]) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        errors[field] = f"{label} must be a real date"
        return None


def read_filters(request: Request) -> Asked:
    params = request.query_params
    values = {
        name: params.get(name, "")[:100]
        for name in ("alliance", "strand", "phase", "starts_from", "starts_to", "has_places")
    }
    errors: dict[str, str] = {}
    strand = phase = None
    if values["strand"]:
        if values["strand"] in Strand._value2member_map_:
            strand = Strand(values["strand"])
        else:
            errors["strand"] = "Select a strand from the list"
    if values["phase"]:
        if values["phase"] in Phase._value2member_map_:
            phase = Phase(values["phase"])
        else:
            errors["phase"] = "Select a phase from the list"
    starts_from = _date(values["starts_from"], "starts_from", "The “from” date", errors)
    starts_to = _date(values["starts_to"], "starts_to", "The “to” date", errors)
    if starts_from and starts_to and starts_to < starts_from:
        errors["starts_to"] = "The “to” date must be the same as or after the “from” date"
        starts_to = None
    filters = catalogue.CatalogueFilters(
        alliance=values["alliance"] or None,
        strand=strand,
        phase=phase,
        starts_from=starts_from,
        starts_to=starts_to,
        has_places=values["has_places"] == "true",
    )
    return Asked(values, filters, errors)


def catalogue_link(**params: str | int) -> str:
    """The catalogue filtered by ``params`` (empty ones left out)."""
    query = urlencode({k: v for k, v in params.items() if v})
    return f"/catalogue?{query}" if query else "/catalogue"


@router.get("/catalogue", response_class=HTMLResponse, dependencies=[PublicPage])
async def catalogue_page(request: Request, ctx: Ctx, page: int = 1) -> HTMLResponse:
    asked = read_filters(request)
    page = max(1, min(page, 10_000))
    found = await catalogue.upcoming_courses(ctx, asked.filters, page, PER_PAGE)
    offer = await catalogue.offer_matrix(ctx)
    alliances = set(offer.alliances)
    if asked.filters.alliance:
        alliances.add(asked.filters.alliance)

    def page_link(number: int) -> str:
        return catalogue_link(**asked.values, page=number if number > 1 else "")

    await identify(request)
    return render(
        request,
        "catalogue.html",
        status=422 if asked.errors else 200,
        page=found,
        values=asked.values,
        errors=asked.errors,
        alliances_options=[(a, alliance_name(a)) for a in sorted(alliances)],
        page_link=page_link,
    )


@router.get("/catalogue/matrix", response_class=HTMLResponse, dependencies=[PublicPage])
async def matrix_page(request: Request, ctx: Ctx) -> HTMLResponse:
    offer = await catalogue.offer_matrix(ctx)
    await identify(request)
    return render(request, "matrix.html", offer=offer, catalogue_link=catalogue_link)
