"""The scheduler: a ``shared.workers.Worker`` claims due reminders (``FOR UPDATE SKIP LOCKED``),
announces each through the outbox and marks it done in the same transaction, so a reminder is
sent exactly once across restarts and replicas. After downtime, reminders past their grace are
recorded as skipped (``domain.schedule.worth_sending``)."""

from sqlalchemy import Row

from services.bookings import register_store as registers
from services.bookings import repository as repo
from services.bookings import schedule_store as schedule
from services.bookings.domain.model import BookingStatus, CourseStatus
from services.bookings.domain.schedule import ReminderKind, worth_sending
from services.bookings.usecases.context import BookingsContext
from services.bookings.usecases.unit_of_work import UnitOfWork, unit_of_work
from shared.workers import Worker

BATCH = 50


async def _send(uow: UnitOfWork, reminder: Row) -> str | None:
    """Announce the reminder; its outcome, or None when its course is busy (try later)."""
    now = uow.ctx.clock.now()
    course = await uow.course(reminder.course_id, skip_locked=True)
    if course is None:
        return None
    kind = ReminderKind(reminder.kind)
    if course.status is not CourseStatus.PUBLISHED or not worth_sending(
        kind, reminder.due_at, now, course.starts_at
    ):
        return "skipped"
    match kind:
        case ReminderKind.COURSE:
            confirmed = await registers.confirmed_bookings(uow.session, course.id)
            days = int(reminder.key.rsplit(":", 1)[-1])
            course.remind(confirmed, days)
            await uow.save(course, read=[b.id for b in confirmed])
        case ReminderKind.OFFER:
            booking = await repo.lock_booking(uow.session, reminder.booking_id)
            offered = booking is not None and booking.status is BookingStatus.OFFERED
            if not offered or booking.offer_expires_at is None or booking.offer_expires_at <= now:
                return "skipped"
            course.remind_offer(booking)
            await uow.save(course, read=[booking.id])
        case ReminderKind.VIABILITY:
            course.check_viability(now)
            await uow.save(course)
    return "sent"


async def send_due_reminders(ctx: BookingsContext) -> bool:
    """One round of the scheduler; True when a full batch suggests more is due."""
    for _ in range(BATCH):
        async with unit_of_work(ctx) as uow:
            reminder = await schedule.claim_due(uow.session, ctx.clock.now())
            if reminder is None:
                return False
            outcome = await _send(uow, reminder)
            if outcome is None:
                return False
            await schedule.done(uow.session, reminder.key, outcome, ctx.clock.now())
    return True


def reminder_worker(ctx: BookingsContext) -> Worker:
    """Runs at the offer-expiry interval (``BOOKINGS_OFFER_EXPIRY_INTERVAL_S``)."""
    return Worker(
        "reminders",
        lambda: send_due_reminders(ctx),
        interval_s=ctx.config.offer_expiry_interval_s,
    )
