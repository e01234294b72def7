"""Old notifications keep who was sent which template for which event, not the text."""

from datetime import timedelta
from uuid import UUID

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.notifications.config import NotificationsSettings
from services.notifications.domain.retry import RetryPolicy
from services.notifications.tables import notifications as t
from services.notifications.usecases.dispatch import Dispatch
from services.notifications.usecases.retention import BodyRetention
from services.notifications.usecases.staff_log import StaffLog
from shared.clock import SystemClock
from shared.errors import Conflict
from shared.identity import Principal, Role
from tests.notifications.test_usecases import confirmed
from tests.notifications.usecase_support import FakeMailer, record_event

Sessions = async_sessionmaker[AsyncSession]
ADMIN = Principal("admin", frozenset({Role.ALLIANCE_ADMIN}), "odyssey-tsa")


async def rows(sessions: Sessions, *events: UUID) -> dict[str, dict]:
    async with sessions() as session:
        found = await session.execute(select(t).where(t.c.event_id.in_(events)))
        return {row.recipient_email: row._asdict() for row in found}


async def back_date(sessions: Sessions, event_id: UUID, days: int) -> None:
    age = timedelta(days=days)
    async with sessions() as session, session.begin():
        await session.execute(
            update(t)
            .where(t.c.event_id == event_id)
            .values(
                created_at=t.c.created_at - age,
                sent_at=t.c.sent_at - age,
                failed_at=t.c.failed_at - age,
            )
        )


async def test_bodies_of_old_sent_or_failed_notifications_are_blanked(sessions: Sessions) -> None:
    old = confirmed(participant="refused")  # the participant's fails for good; the lead's is sent
    waiting = confirmed(participant="later")  # the participant's is still pending
    recent = confirmed()
    old_id = await record_event(sessions, old)
    waiting_id = await record_event(sessions, waiting)
    recent_id = await record_event(sessions, recent)
    await Dispatch(sessions, FakeMailer(), RetryPolicy()).sweep()
    for event_id in (old_id, waiting_id):
        await back_date(sessions, event_id, days=91)
    before = await rows(sessions, old_id, waiting_id, recent_id)
    assert {r["status"] for r in before.values() if r["event_id"] == old_id} == {"sent", "failed"}

    retention = BodyRetention(sessions, SystemClock(), timedelta(days=90), batch_size=1)
    while await retention.step():
        pass

    after = await rows(sessions, old_id, waiting_id, recent_id)
    for email, row in after.items():
        kept = ("status", "recipient_name", "template", "event_id", "event_type", "message_id")
        assert {k: row[k] for k in kept} == {k: before[email][k] for k in kept}
        bodies = (row["subject"], row["body_text"], row["body_html"])
        if row["event_id"] != recent_id and row["status"] != "pending":
            assert bodies == ("", "", "")
            assert row["bodies_removed_at"] is not None
        else:
            assert all(bodies), email
            assert row["bodies_removed_at"] is None

    assert "pending" in {row["status"] for row in after.values()}
    failed = next(r for r in after.values() if r["status"] == "failed")
    with pytest.raises(Conflict, match="retention"):
        await StaffLog(sessions).retry(ADMIN, failed["id"])


def test_bodies_are_kept_90_days_by_default() -> None:
    field = NotificationsSettings.model_fields["body_retention_days"]
    assert (field.alias, field.default) == ("NOTIFICATIONS_BODY_RETENTION_DAYS", 90.0)
