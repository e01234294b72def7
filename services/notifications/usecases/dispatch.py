"""Use case: send the next due notification and record how it went.

A sender locks a row (``FOR UPDATE SKIP LOCKED``) and marks it sent in one statement, sends it,
and commits as soon as the server has the message (a failure rewrites the row in the same
transaction instead), so no two senders (in any number of processes) send the same row at once,
and a sender that dies releases its row for another to take. The one gap: the SMTP server has
accepted the message but the process dies before the commit. The row is still pending, so it is
sent again, with the same Message-ID (see README.md, "The duplicate window").

The claim also takes the school's private link out of the stored bodies (the school has it by
email), in the same statement: it is gone exactly when the notification is sent; a failed send
puts the bodies back as they were. The claim says whether another notification was due, so a
sender that took the last one goes back to waiting without asking again.

``send_one`` is the step of the senders' ``shared.workers.Worker`` (wired in ``app.py``).
"""

import logging
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from opentelemetry.trace import SpanKind
from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.notifications import repository
from services.notifications.domain.messages import DeliveryError, Outgoing
from services.notifications.domain.retry import RetryPolicy
from shared.observability import tracing
from shared.observability.metrics import Metrics

log = logging.getLogger(__name__)


class Mailer(Protocol):
    async def send(
        self, outgoing: Outgoing, accepted: Callable[[], Awaitable[None]] | None = None
    ) -> None:
        """Deliver, calling ``accepted`` once the server has the message; or raise DeliveryError."""


def outgoing(row: Row[Any]) -> Outgoing:
    return Outgoing(
        message_id=row.message_id,
        to_name=row.recipient_name,
        to_email=row.recipient_email,
        subject=row.subject,
        text=row.body_text,
        html=row.body_html,
    )


class Dispatch:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        mailer: Mailer,
        policy: RetryPolicy,
        metrics: Metrics | None = None,
    ) -> None:
        self.sessions = sessions
        self.mailer = mailer
        self.policy = policy
        metrics = metrics or Metrics("notifications")
        self.outcomes = metrics.counter(
            "alliance_notifications", "Notifications by outcome: sent, deferred, failed", ["status"]
        )
        self.smtp_failures = metrics.counter(
            "alliance_smtp_failures", "SMTP sends that failed, temporary or permanent", ["kind"]
        )

    async def send_one(self) -> bool:
        """Send the next due notification, if any; True if another one was due then."""
        async with self.sessions() as session:
            await session.begin()
            row = await repository.claim_for_sending(session)
            if row is None:
                await session.commit()
                return False
            try:
                with tracing.span(
                    "smtp send",
                    parent=row.traceparent,
                    kind=SpanKind.CLIENT,
                    attributes={"alliance.template": row.template},
                ):
                    await self.mailer.send(outgoing(row), accepted=session.commit)
            except DeliveryError as exc:
                self.smtp_failures.labels("permanent" if exc.permanent else "temporary").inc()
                await self._record_failure(session, row, exc)
                await session.commit()
            else:
                self.outcomes.labels("sent").inc()
        return bool(row.more_due)

    async def _record_failure(
        self, session: AsyncSession, row: Row[Any], exc: DeliveryError
    ) -> None:
        attempts = int(row.attempts)
        ident = row.id
        if exc.permanent or self.policy.gives_up_after(attempts):
            log.error(
                "notification failed",
                extra={"notification_id": str(ident), "attempts": attempts, "error": exc.reason},
            )
            await repository.mark_failed(session, row, exc.reason)
            self.outcomes.labels("failed").inc()
            return
        delay = self.policy.delay_after(attempts)
        log.warning(
            "notification deferred",
            extra={"notification_id": str(ident), "attempts": attempts, "error": exc.reason},
        )
        await repository.retry_later(session, row, exc.reason, delay)
        self.outcomes.labels("deferred").inc()

    async def sweep(self) -> int:
        """Send everything due now, one at a time (for tests and tools); how many were tried."""
        count = 0
        while await self.send_one():
            count += 1
        return count
