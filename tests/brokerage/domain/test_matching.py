"""Matching and the days arithmetic: pure rules."""

from datetime import date
from uuid import uuid4

import pytest

from services.brokerage.domain.deployment import (
    InvalidTerms,
    NotEnoughDays,
    deliver,
    make_terms,
    reserve,
    undelivered,
)
from services.brokerage.domain.matching import Candidate, Need, shortlist
from services.brokerage.domain.vocab import Area, Phase, SleStatus, is_half_day_step


def sle(name: str, **kwargs: object) -> Candidate:
    values: dict[str, object] = {
        "sle_id": uuid4(),
        "name": name,
        "specialisms": frozenset({Area.MATHEMATICS}),
        "phases": frozenset({Phase.PRIMARY}),
        "region": "Gloucestershire",
        "days_available": 10.0,
        "days_committed": 0.0,
        "active_deployments": 0,
    }
    values.update(kwargs)
    return Candidate(**values)  # type: ignore[arg-type]


NEED = Need(frozenset({Area.MATHEMATICS, Area.SEND}), Phase.PRIMARY, "Gloucestershire", 3.0)


def names(ranked: list) -> list[str]:
    return [r.candidate.name for r in ranked]


def test_better_specialism_fit_ranks_higher() -> None:
    both = sle("Both", specialisms=frozenset({Area.MATHEMATICS, Area.SEND}))
    one = sle("One")
    none = sle("None", specialisms=frozenset({Area.PHONICS}))
    ranked = shortlist(NEED, [none, one, both])
    assert names(ranked) == ["Both", "One", "None"]
    assert [r.rank for r in ranked] == [1, 2, 3]
    assert "specialism fit: 2 of 2 areas" in ranked[0].reasons[0]
    assert "none of the areas" in ranked[2].reasons[0]


def test_phase_then_region_break_ties() -> None:
    wrong_phase = sle("Secondary", phases=frozenset({Phase.SECONDARY}))
    all_through = sle("AllThrough", phases=frozenset({Phase.ALL_THROUGH}))
    elsewhere = sle("Leicester", region="Leicestershire")
    local = sle("Local")
    ranked = shortlist(NEED, [wrong_phase, elsewhere, all_through, local])
    assert names(ranked) == ["Local", "AllThrough", "Leicester", "Secondary"]
    reasons = {r.candidate.name: " | ".join(r.reasons) for r in ranked}
    assert "phase: works in primary" in reasons["Local"]
    assert "all-through" in reasons["AllThrough"]
    assert "does not work in primary" in reasons["Secondary"]
    assert "not the school's region" in reasons["Leicester"]


def test_more_days_left_and_less_load_rank_higher() -> None:
    busy = sle("Busy", active_deployments=2)
    few_days = sle("FewDays", days_committed=6.0)
    free = sle("Free")
    ranked = shortlist(NEED, [busy, few_days, free])
    assert names(ranked) == ["Free", "FewDays", "Busy"]
    assert "2 other deployments" in ranked[2].reasons[-1]
    assert "days left this year: 4 days (1 day to spare" in " ".join(ranked[1].reasons)


def test_never_an_sle_without_enough_days_or_not_active() -> None:
    exact = sle("Exact", days_available=5.0, days_committed=2.0)
    short = sle("Short", days_available=5.0, days_committed=2.5)
    paused = sle("Paused", status=SleStatus.PAUSED)
    inactive = sle("Inactive", status=SleStatus.INACTIVE)
    assert names(shortlist(NEED, [short, exact, paused, inactive])) == ["Exact"]


def test_an_empty_directory_gives_an_empty_shortlist() -> None:
    assert shortlist(NEED, []) == []


@pytest.mark.parametrize(
    ("days", "ok"),
    [(0.5, True), (1, True), (2.5, True), (0, False), (0.25, False), (1.3, False), (-1, False)],
)
def test_half_day_steps(days: float, ok: bool) -> None:
    assert is_half_day_step(days) is ok


def test_reserve_never_over_commits() -> None:
    assert reserve(5.0, 3.0, 2.0) == 5.0
    with pytest.raises(NotEnoughDays, match="2 day"):
        reserve(5.0, 3.0, 2.5)


def test_terms_and_fees() -> None:
    start, end = date(2026, 1, 5), date(2026, 3, 27)
    fixed = make_terms(4, 35_000, start, end, fee_pence=10_000)
    assert fixed.brokerage_fee_pence == 10_000
    percent = make_terms(2.5, 35_000, start, end, fee_percent=10)
    assert percent.brokerage_fee_pence == 8_750
    for bad in (
        lambda: make_terms(1.2, 35_000, start, end, fee_pence=0),
        lambda: make_terms(1, 35_000, end, start, fee_pence=0),
        lambda: make_terms(1, 35_000, start, end),
        lambda: make_terms(1, 35_000, start, end, fee_pence=1, fee_percent=1),
        lambda: make_terms(1, 35_000, start, end, fee_percent=150),
    ):
        with pytest.raises(InvalidTerms):
            bad()


def test_visits_never_deliver_past_the_agreement() -> None:
    assert deliver(3.0, 2.0, 1.0) == 3.0
    with pytest.raises(InvalidTerms, match="past the 3 agreed"):
        deliver(3.0, 2.5, 1.0)
    assert undelivered(3.0, 1.0) == 2.0
    assert undelivered(3.0, 3.0) == 0.0
