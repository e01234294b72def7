"""Stored idempotent responses hold names and emails: they go when the retry window ends."""

from datetime import timedelta
from uuid import uuid4

from sqlalchemy import select, update

from services.bookings.config import BookingsSettings
from services.bookings.tables import idempotency_keys as keys
from shared.runtime import ServiceRuntime
from tests.bookings.conftest import Alliance, make_app
from tests.support.apps import running_app
from tests.support.stack import Stack


async def stored_keys(runtime: ServiceRuntime, *wanted: str) -> set[str]:
    async with runtime.sessions() as session:
        found = await session.scalars(select(keys.c.key).where(keys.c.key.in_(wanted)))
        return set(found)


async def test_a_stored_response_is_deleted_after_the_retry_window(stack: Stack) -> None:
    settings = stack.settings(BookingsSettings, BOOKINGS_IDEMPOTENCY_RETENTION_HOURS=24)
    async with running_app(make_app, settings) as (app, api):
        runtime: ServiceRuntime = app.state.runtime
        alliance = Alliance(stack, api, "retention-tsa")
        course = await alliance.course()
        school = await alliance.school()
        old, recent = uuid4().hex, uuid4().hex
        for key in (old, recent):
            booked = await api.post(
                f"/courses/{course['id']}/bookings",
                json=school.booking_body(),
                headers={**school.lead, "Idempotency-Key": key},
            )
            assert booked.status_code == 201, booked.text
        async with runtime.transaction() as session:
            await session.execute(
                update(keys)
                .where(keys.c.key == old)
                .values(created_at=keys.c.created_at - timedelta(hours=25))
            )
        assert await stored_keys(runtime, old, recent) == {old, recent}

        while await runtime.pruner.step():
            pass

        assert await stored_keys(runtime, old, recent) == {recent}


def test_the_retry_window_is_a_day_by_default() -> None:
    field = BookingsSettings.model_fields["idempotency_retention_hours"]
    assert (field.alias, field.default) == ("BOOKINGS_IDEMPOTENCY_RETENTION_HOURS", 24.0)
