from datetime import UTC, date, datetime

import pytest

from services.bookings.domain.calendar import (
    is_working_day,
    working_days_between,
    working_days_notice,
)
from services.bookings.domain.model import (
    BookingRefused,
    BookingStatus,
    CourseState,
    CourseStatus,
    allocate,
    check_can_book,
    places_to_offer,
)
from services.bookings.domain.policy import STANDARD_POLICY, Band, CancellationPolicy


def test_weekends_and_bank_holidays_are_not_working_days() -> None:
    assert is_working_day(date(2026, 12, 24))  # Thursday
    assert not is_working_day(date(2026, 12, 25))  # Christmas Day
    assert not is_working_day(date(2026, 12, 26))  # Saturday
    assert not is_working_day(date(2026, 12, 28))  # Boxing Day (substitute)
    assert not is_working_day(date(2027, 12, 27))  # Christmas substitute day
    assert not is_working_day(date(2027, 12, 28))  # Boxing Day substitute day
    assert not is_working_day(date(2026, 4, 3))  # Good Friday
    assert not is_working_day(date(2026, 4, 6))  # Easter Monday


def test_working_days_exclude_both_ends() -> None:
    # Monday to the next Monday: Tue-Fri are 4 working days.
    assert working_days_between(date(2026, 6, 1), date(2026, 6, 8)) == 4
    assert working_days_between(date(2026, 6, 1), date(2026, 6, 2)) == 0
    assert working_days_between(date(2026, 6, 1), date(2026, 6, 1)) == 0
    assert working_days_between(date(2026, 6, 8), date(2026, 6, 1)) == 0


def test_working_days_across_christmas_and_new_year() -> None:
    # Fri 18 Dec 2026 to Wed 6 Jan 2027: 21,22,23,24, 29,30,31, 4,5 = 9
    # (25 Dec, 28 Dec substitute for Boxing Day, 1 Jan are bank holidays).
    assert working_days_between(date(2026, 12, 18), date(2027, 1, 6)) == 9


def test_working_days_across_the_easter_weekend() -> None:
    # Wed 1 Apr 2026 to Wed 8 Apr 2026: Thu 2, Tue 7 (Good Friday, Easter Monday off).
    assert working_days_between(date(2026, 4, 1), date(2026, 4, 8)) == 2


def test_notice_is_counted_in_london_dates() -> None:
    # 23:30 UTC on 30 June is already 1 July in London (BST).
    cancelled = datetime(2026, 6, 30, 23, 30, tzinfo=UTC)
    starts = datetime(2026, 7, 6, 8, 0, tzinfo=UTC)
    assert working_days_notice(cancelled, starts) == 2  # Thu 2, Fri 3


@pytest.mark.parametrize(
    ("notice", "fee"),
    [(30, 0), (11, 0), (10, 5_000), (3, 5_000), (2, 10_000), (0, 10_000)],
)
def test_standard_bands(notice: int, fee: int) -> None:
    assert STANDARD_POLICY.fee(10_000, notice) == fee


def test_half_fee_rounds_to_the_penny() -> None:
    assert STANDARD_POLICY.fee(9_999, 5) == 5_000


def test_free_courses_charge_the_late_fee_only_inside_a_band() -> None:
    policy = CancellationPolicy(bands=(Band(5, 100),), late_fee_pence=2_500)
    assert policy.fee(0, 6) == 0
    assert policy.fee(0, 5) == 2_500
    assert policy.fee(4_000, 5) == 4_000


def test_fee_bands_across_a_bank_holiday() -> None:
    first_session = datetime(2027, 1, 6, 9, 0, tzinfo=UTC)
    # 18 Dec: 9 working days (holidays skipped) -> 50%, although 19 calendar days away.
    notice = working_days_notice(datetime(2026, 12, 18, 12, tzinfo=UTC), first_session)
    assert STANDARD_POLICY.fee(12_000, notice) == 6_000
    # 31 Dec: Mon 4, Tue 5 -> 2 working days -> 100%.
    notice = working_days_notice(datetime(2026, 12, 31, 12, tzinfo=UTC), first_session)
    assert STANDARD_POLICY.fee(12_000, notice) == 12_000


def _course(status: CourseStatus, closes: datetime) -> CourseState:
    return CourseState(status=status, booking_closes_at=closes, capacity=10)


def test_booking_needs_a_published_open_course() -> None:
    now = datetime(2026, 5, 1, tzinfo=UTC)
    later = datetime(2026, 6, 1, tzinfo=UTC)
    check_can_book(_course(CourseStatus.PUBLISHED, later), now)
    with pytest.raises(BookingRefused, match="not published"):
        check_can_book(_course(CourseStatus.DRAFT, later), now)
    with pytest.raises(BookingRefused, match="cancelled"):
        check_can_book(_course(CourseStatus.CANCELLED, later), now)
    with pytest.raises(BookingRefused, match="closed"):
        check_can_book(_course(CourseStatus.PUBLISHED, now), now)


def test_allocation_respects_capacity_and_the_queue() -> None:
    assert allocate(capacity=2, places_held=1, waiting=0) is BookingStatus.CONFIRMED
    assert allocate(capacity=2, places_held=2, waiting=0) is BookingStatus.WAITLISTED
    assert allocate(capacity=2, places_held=1, waiting=1) is BookingStatus.WAITLISTED
    assert places_to_offer(capacity=5, places_held=3, waiting=1) == 1
    assert places_to_offer(capacity=5, places_held=3, waiting=4) == 2
    assert places_to_offer(capacity=5, places_held=6, waiting=4) == 0
