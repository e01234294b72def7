"""Each kind of personal data goes when its retention has passed, by the pruning job each
service runs: participants' details after the course, school contacts after a finished support
request, the record of sent mail, exports nobody downloaded. The job runs here as it does in a
service (``runtime.pruner.step``), on apps built against the same databases with their clock
moved past each retention."""

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI

from services.bookings.app import build_app as build_bookings
from services.bookings.config import BookingsSettings
from services.brokerage.app import build_app as build_brokerage
from services.brokerage.config import BrokerageSettings
from services.notifications.app import build_app as build_notifications
from services.notifications.config import NotificationsSettings
from shared.clock import MovableClock
from tests.e2e.conftest import System
from tests.e2e.personal_data import Person, naming_everywhere
from tests.e2e.test_emails import wait_until_nothing_pending


def later(when: datetime) -> MovableClock:
    clock = MovableClock()
    clock.pinned = when
    return clock


@asynccontextmanager
async def pruning(app: FastAPI) -> AsyncIterator[Callable[[], Any]]:
    """The app's pruning job, one round of every step, without serving anything."""
    runtime = app.state.runtime
    try:
        yield runtime.pruner.step
    finally:
        await runtime.engine.dispose()


def settings_of(system: System, settings_class: type, **overrides: object) -> Any:
    urls = {f"{s.upper()}_DATABASE_URL": url for s, url in system.databases.items()}
    return system.stack.settings(settings_class, **urls, **overrides)


async def test_each_kind_of_personal_data_goes_after_its_retention(system: System) -> None:
    person = Person(system)
    await person.setup()
    export = await person.ask("access")
    await person.completed(export["id"])
    coordinator = system.stack.auth("coordinator", person.alliance)
    ended = await system.brokerage.post(
        f"/support-requests/{person.request_id}/cancellation",
        json={"reason": "The school found support elsewhere."},
        headers=coordinator,
    )
    assert ended.status_code == 200, ended.text
    await wait_until_nothing_pending(system, person.alliance)
    before = await naming_everywhere(system, person.email)
    assert all(before.values()), before

    # Default retentions, three years on: the course (March 2027) and the request are long over.
    # The kernel's own steps (outbox, stored responses) read the real clock: shortened here.
    three_years_on = later(datetime(2030, 6, 1, tzinfo=UTC))
    short = {"OUTBOX_RETENTION_DAYS": 1e-9}
    bookings_settings = settings_of(
        system, BookingsSettings, BOOKINGS_IDEMPOTENCY_RETENTION_HOURS=1e-9, **short
    )
    async with pruning(build_bookings(bookings_settings, clock=three_years_on)) as prune:
        await prune()
    brokerage_settings = settings_of(system, BrokerageSettings, **short)
    brokerage_app = build_brokerage(brokerage_settings, clock=three_years_on)
    async with pruning(brokerage_app) as prune:
        await prune()
    notifications_app = build_notifications(
        settings_of(system, NotificationsSettings, NOTIFICATIONS_RECORD_RETENTION_DAYS=1e-9)
    )
    async with pruning(notifications_app) as prune:
        await prune()

    after = await naming_everywhere(system, person.email)
    # what stays: the alliance's coordinator list, Pat's staff post (no retention: they are
    # current, an erasure removes them)
    assert after == {
        "bookings": ["staff.email"],
        "brokerage": ["alliances.coordinators", "staff.email"],
        "notifications": ["staff.email"],
    }
    listed = await system.bookings.get(
        "/bookings", params={"course": person.course}, headers=person.admin
    )
    assert listed.json()["total"] == 2
    assert {b["participant"]["name"] for b in listed.json()["items"]} == {"[erased]"}
    assert person.other not in listed.text
    request = await system.brokerage.get(
        f"/support-requests/{person.request_id}", headers=coordinator
    )
    assert request.json()["status"] == "cancelled"
    assert "Pat Person" not in request.text
    mail = await system.notifications.get("/notifications", headers=person.admin)
    assert mail.json()["total"] == 0
    gone = await system.bookings.get(
        f"/personal-data/requests/{export['id']}/export", headers=person.admin
    )
    assert gone.status_code == 409, gone.text
