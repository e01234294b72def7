"""The network's public catalogue: every alliance's upcoming courses, filtered, and the CPD
matrix (which alliance offers what, by strand and by phase). Anyone may read them; a course
whose first session has started is no longer listed."""

from dataclasses import dataclass, field
from datetime import date

from services.bookings import listings
from services.bookings.domain.model import CourseStatus, Phase, Strand
from services.bookings.usecases.context import BookingsContext
from services.bookings.usecases.read_models import CourseView, Page, course_view


@dataclass(frozen=True)
class CatalogueFilters:
    alliance: str | None = None
    strand: Strand | None = None
    phase: Phase | None = None
    starts_from: date | None = None
    starts_to: date | None = None
    has_places: bool = False


@dataclass(frozen=True)
class OfferMatrix:
    """Counts of upcoming published courses: ``by_strand[(alliance, strand)]`` and
    ``by_phase[(alliance, phase)]``; absent keys are none. ``alliances`` in name order."""

    alliances: list[str]
    by_strand: dict[tuple[str, Strand], int] = field(default_factory=dict)
    by_phase: dict[tuple[str, Phase], int] = field(default_factory=dict)
    totals: dict[str, int] = field(default_factory=dict)


async def upcoming_courses(
    ctx: BookingsContext, filters: CatalogueFilters, page: int, per_page: int
) -> Page[CourseView]:
    now = ctx.clock.now()
    query = listings.CourseQuery(
        status=CourseStatus.PUBLISHED,
        alliance_id=filters.alliance,
        strand=filters.strand,
        phase=filters.phase,
        starts_from=filters.starts_from,
        starts_to=filters.starts_to,
        has_places=True if filters.has_places else None,
        starts_after=now,
    )
    async with ctx.runtime.sessions() as session:
        total, rows = await listings.list_courses(session, query, page=page, per_page=per_page)
    return Page(
        items=[course_view(ctx, row, now) for row in rows],
        page=page,
        per_page=per_page,
        total=total,
    )


async def offer_matrix(ctx: BookingsContext) -> OfferMatrix:
    async with ctx.runtime.sessions() as session:
        counts = await listings.offer_counts(session, ctx.clock.now())
    return OfferMatrix(
        alliances=sorted(counts.totals),
        by_strand={(a, Strand(s)): n for (a, s), n in counts.by_strand.items()},
        by_phase={(a, Phase(p)): n for (a, p), n in counts.by_phase.items()},
        totals=counts.totals,
    )
