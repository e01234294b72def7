"""What the scheduler plans for a course, and whether a due reminder is still worth sending.

Each planned reminder has a key that names it for good (a course reminder is
``course:<id>:reminder:<days>``), so it exists once and is sent at most once. Planning again
after a change of dates moves reminders not yet done; one already sent is not sent again.

The rule after downtime (written here, tested with a movable clock): a reminder is sent if it
is claimed before its moment has passed by more than its grace; otherwise it is recorded as
skipped, never sent late in a flood.
- course reminders (N days before): grace 12 hours, and never once the course has started;
  so after a long outage the 7-day reminder is skipped when the course starts tomorrow, while
  the 1-day reminder still goes.
- an offer about to expire: until the offer expires.
- the viability check: until the first session starts (the administrator still needs the
  numbers to decide).
"""

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from enum import StrEnum
from uuid import UUID

from services.bookings.domain.calendar import LONDON, is_working_day, london_date

REMINDER_GRACE = timedelta(hours=12)
VIABILITY_HOUR = time(9, 0)


class ReminderKind(StrEnum):
    COURSE = "course_reminder"
    OFFER = "offer_expiring"
    VIABILITY = "viability_check"


@dataclass(frozen=True)
class Planned:
    key: str
    kind: ReminderKind
    course_id: UUID
    due_at: datetime
    booking_id: UUID | None = None
    days_before: int | None = None


def course_reminders(course_id: UUID, starts_at: datetime, days: tuple[int, ...]) -> list[Planned]:
    return [
        Planned(
            f"course:{course_id}:reminder:{d}",
            ReminderKind.COURSE,
            course_id,
            starts_at - timedelta(days=d),
            days_before=d,
        )
        for d in days
    ]


def working_days_before(starts_at: datetime, notice: int) -> datetime:
    """9am (London) on the working day that leaves ``notice`` working days before the first
    session's date (so a cancellation then still gives that notice)."""
    day = london_date(starts_at)
    counted = 0
    while counted <= notice:
        day -= timedelta(days=1)
        if is_working_day(day):
            counted += 1
    return datetime.combine(day, VIABILITY_HOUR, tzinfo=LONDON)


def viability_check(course_id: UUID, starts_at: datetime, notice: int) -> Planned:
    return Planned(
        f"course:{course_id}:viability",
        ReminderKind.VIABILITY,
        course_id,
        working_days_before(starts_at, notice),
    )


def offer_reminder(
    course_id: UUID, booking_id: UUID, offered_at: datetime, expires_at: datetime
) -> Planned:
    """When three quarters of the hold has passed."""
    due = offered_at + (expires_at - offered_at) * 3 / 4
    return Planned(
        f"offer:{booking_id}:{expires_at.isoformat()}",
        ReminderKind.OFFER,
        course_id,
        due,
        booking_id=booking_id,
    )


def worth_sending(kind: ReminderKind, due_at: datetime, now: datetime, starts_at: datetime) -> bool:
    """The rule after downtime (see the module's docstring); the offer's own state is checked
    by the caller."""
    if now >= starts_at:
        return False
    if kind is ReminderKind.COURSE:
        return now <= due_at + REMINDER_GRACE
    return True
