"""The rules of a running deployment: visit dates, when visit logs are due (working days, bank
holidays skipped), the academic year and what an SLE's days carry into a new one."""

from datetime import date

import pytest

from services.brokerage.domain.calendar import academic_year, add_working_days
from services.brokerage.domain.deployment import (
    VisitOutsideDeployment,
    check_visit_date,
    roll_over,
    visit_log_due,
)

STARTS, ENDS, TODAY = date(2027, 1, 11), date(2027, 3, 26), date(2027, 6, 1)


@pytest.mark.parametrize("day", [STARTS, date(2027, 2, 2), ENDS])
def test_a_visit_on_any_day_of_the_deployment_is_accepted(day: date) -> None:
    check_visit_date(day, STARTS, ENDS, TODAY)


@pytest.mark.parametrize("day", [date(2027, 1, 10), date(2027, 3, 27), date(2026, 2, 2)])
def test_a_visit_outside_the_deployments_dates_is_refused(day: date) -> None:
    with pytest.raises(VisitOutsideDeployment, match="2027-01-11 to 2027-03-26"):
        check_visit_date(day, STARTS, ENDS, TODAY)


def test_a_visit_that_has_not_happened_yet_cannot_be_logged() -> None:
    with pytest.raises(VisitOutsideDeployment, match="once it has taken place"):
        check_visit_date(date(2027, 2, 2), STARTS, ENDS, today=date(2027, 2, 1))


def test_logs_are_due_five_working_days_after_the_last_day_skipping_bank_holidays() -> None:
    # Ends on Good Friday 2027; Easter Monday (29 March) is not a working day either.
    assert visit_log_due(date(2027, 3, 26), date(2027, 1, 4), 5) == date(2027, 4, 5)
    # Christmas 2026: 25 December and the substitute Boxing Day (Monday 28) are skipped.
    assert visit_log_due(date(2026, 12, 23), date(2026, 9, 1), 5) == date(2027, 1, 4)
    # An ordinary week: Monday's logs are due the next Monday.
    assert visit_log_due(date(2027, 2, 1), date(2027, 2, 1), 5) == date(2027, 2, 8)
    assert add_working_days(date(2027, 2, 5), 1) == date(2027, 2, 8)  # Friday to Monday


def test_a_deployment_agreed_after_its_last_day_still_leaves_time_to_log() -> None:
    assert visit_log_due(date(2027, 2, 1), date(2027, 3, 1), 5) == date(2027, 3, 8)


@pytest.mark.parametrize(
    ("day", "year"),
    [(date(2027, 8, 31), 2026), (date(2027, 9, 1), 2027), (date(2028, 1, 1), 2027)],
)
def test_the_academic_year_starts_on_1_september(day: date, year: int) -> None:
    assert academic_year(day) == year


def test_a_new_year_carries_only_what_running_deployments_still_owe() -> None:
    new = roll_over(10, [(3, 1), (2.5, 0.5), (2, 2)])
    assert (new.days_available, new.days_committed) == (10, 4)
    assert roll_over(10, []).days_committed == 0


def test_carried_days_beyond_the_allowance_raise_it_rather_than_over_commit() -> None:
    new = roll_over(3, [(5, 0.5)])
    assert (new.days_available, new.days_committed) == (4.5, 4.5)
