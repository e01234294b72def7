"""The senders' claim reads the due notifications through their partial index, whatever the
number of notifications already sent (it once read the whole table: ``status = $1`` in a generic
plan cannot use an index made ``WHERE status = 'pending'``)."""

from uuid import uuid4

from sqlalchemy import func, select

from services.notifications.repository import CLAIM, COUNT_FAILED, Filters, _where
from services.notifications.tables import notifications as t
from tests.support.plans import generic_plan
from tests.support.stack import Stack


async def test_the_claim_reads_the_due_index(stack: Stack) -> None:
    url = await stack.migrated_database("notifications", "plans")
    plan = await generic_plan(url, CLAIM, batch=10)
    assert "ix_notifications_due" in plan, plan


async def test_the_failed_count_reads_the_failed_index(stack: Stack) -> None:
    url = await stack.migrated_database("notifications", "plans")
    plan = await generic_plan(url, COUNT_FAILED)
    assert "ix_notifications_failed" in plan, plan


async def test_a_bound_status_could_not_use_it(stack: Stack) -> None:
    """The check above can fail: the same select with the status as a parameter."""
    url = await stack.migrated_database("notifications", "plans")
    bound = (
        select(t.c.id)
        .where(t.c.status == "pending", t.c.next_attempt_at <= func.now())
        .order_by(t.c.next_attempt_at)
        .limit(1)
    )
    plan = await generic_plan(url, bound)
    assert "ix_notifications_due" not in plan, plan


async def test_the_staff_log_finds_a_requests_notifications_through_their_index(
    stack: Stack,
) -> None:
    """The index holds only notifications about a request: ``request_id = $n`` implies that."""
    url = await stack.migrated_database("notifications", "plans")
    filters = Filters(alliance_id="odyssey-tsa", request_id=uuid4())
    plan = await generic_plan(url, select(t.c.id).where(*_where(filters)))
    assert "ix_notifications_alliance_request" in plan, plan
