"""Matching: rank the SLEs who could take a request, and say why each is where it is.

A hard rule first: an SLE who is not active, or has fewer days left this year than the school
asks for, is never on the shortlist. The rest are scored; a higher score ranks higher.
"""

from dataclasses import dataclass
from uuid import UUID

from services.brokerage.domain.vocab import Area, Phase, SleStatus

SPECIALISM_WEIGHT = 50.0
PHASE_WEIGHT = 20.0
ALL_THROUGH_PHASE_WEIGHT = 10.0
REGION_WEIGHT = 15.0
DAYS_WEIGHT = 10.0
LOAD_PENALTY = 5.0
DAYS_FOR_FULL_SCORE = 10.0


@dataclass(frozen=True)
class Need:
    areas: frozenset[Area]
    phase: Phase
    region: str | None
    days: float


@dataclass(frozen=True)
class Candidate:
    sle_id: UUID
    name: str
    specialisms: frozenset[Area]
    phases: frozenset[Phase]
    region: str
    days_available: float
    days_committed: float
    active_deployments: int
    status: SleStatus = SleStatus.ACTIVE

    @property
    def days_left(self) -> float:
        return self.days_available - self.days_committed


@dataclass(frozen=True)
class Ranked:
    rank: int
    candidate: Candidate
    score: float
    reasons: list[str]


def _days(value: float) -> str:
    text = f"{value:g}"
    return f"{text} day" if value == 1 else f"{text} days"


def eligible(candidate: Candidate, days: float) -> bool:
    return candidate.status is SleStatus.ACTIVE and candidate.days_left >= days


def score(need: Need, candidate: Candidate) -> tuple[float, list[str]]:
    reasons: list[str] = []
    total = 0.0

    fit = need.areas & candidate.specialisms
    if need.areas:
        total += SPECIALISM_WEIGHT * len(fit) / len(need.areas)
    if fit:
        labels = ", ".join(sorted(a.label for a in fit))
        reasons.append(f"specialism fit: {len(fit)} of {len(need.areas)} areas ({labels})")
    else:
        reasons.append("specialism fit: none of the areas of need")

    if need.phase in candidate.phases:
        total += PHASE_WEIGHT
        reasons.append(f"phase: works in {need.phase.label.lower()}")
    elif Phase.ALL_THROUGH in candidate.phases and need.phase in (Phase.PRIMARY, Phase.SECONDARY):
        total += ALL_THROUGH_PHASE_WEIGHT
        reasons.append(f"phase: all-through experience covers {need.phase.label.lower()}")
    else:
        reasons.append(f"phase: does not work in {need.phase.label.lower()}")

    if need.region and candidate.region.casefold() == need.region.casefold():
        total += REGION_WEIGHT
        reasons.append(f"region: same region ({candidate.region})")
    else:
        reasons.append(f"region: {candidate.region}, not the school's region")

    spare = candidate.days_left - need.days
    total += DAYS_WEIGHT * min(spare, DAYS_FOR_FULL_SCORE) / DAYS_FOR_FULL_SCORE
    reasons.append(
        f"days left this year: {_days(candidate.days_left)} "
        f"({_days(spare)} to spare after this request)"
    )

    load = candidate.active_deployments
    total -= LOAD_PENALTY * load
    reasons.append(
        "current load: no other deployments"
        if load == 0
        else f"current load: {load} other deployment{'s' if load != 1 else ''} under way"
    )
    return round(total, 2), reasons


def shortlist(need: Need, candidates: list[Candidate]) -> list[Ranked]:
    """The eligible SLEs, best first, each with its rank (1 is best) and the reasons for it."""
    scored = [(c, *score(need, c)) for c in candidates if eligible(c, need.days)]
    scored.sort(key=lambda item: (-item[1], -item[0].days_left, item[0].name, str(item[0].sle_id)))
    return [
        Ranked(rank=i, candidate=c, score=s, reasons=r) for i, (c, s, r) in enumerate(scored, 1)
    ]
