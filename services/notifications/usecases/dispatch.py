"""Use case: send the due notifications and record how each went.

A sender claims a batch of due notifications in one statement (``FOR UPDATE SKIP LOCKED``, so
no two senders, in any number of processes, take the same row): each row names the database
session that claimed it, and the claim lasts as long as that session does. It sends them one
after the other over one SMTP connection, and records each in one statement that commits at
once: "sent" as soon as the server has the message, or the failure (failed for good, or
deferred with its backoff). A failure is that email's alone; the rest of the batch goes on.

A sender that dies (or a batch that stops on an unexpected error, whose session is then closed)
releases what it claimed: a row whose claiming session has ended is free for any sender at
once. The one gap: the SMTP server has accepted a message but the process dies before "sent" is
recorded. The row is still pending, so it is sent again, with the same Message-ID: at most one
such message per sender (see README.md, "The duplicate window").

Recording a notification as sent also takes the school's private link out of its stored bodies
(the school has it by email), in the same statement.

``send_batch`` is the step of the senders' ``shared.workers.Worker`` (wired in ``app.py``).
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
        batch: int = 10,
    ) -> None:
        self.sessions = sessions
        self.mailer = mailer
        self.policy = policy
        self.batch = batch
        metrics = metrics or Metrics("notifications")
        self.outcomes = metrics.counter(
            "alliance_notifications", "Notifications by outcome: sent, deferred, failed", ["status"]
        )
        self.smtp_failures = metrics.counter(
            "alliance_smtp_failures", "SMTP sends that failed, temporary or permanent", ["kind"]
        )

    async def send_batch(self) -> bool:
        """Claim up to ``batch`` due notifications and send them one after the other, each
        recorded as soon as it is sent or fails; True if there may be more due."""
        return await self._send_due() == self.batch

    async def _send_due(self) -> int:
        """Claim, send, record; how many were claimed."""
        async with self.sessions() as session:
            # Each statement commits on its own: a claim, then one statement per email.
            await session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
            claimed = await repository.claim_for_sending(session, self.batch)
            try:
                for row in claimed:
                    await self._send(session, row)
            except BaseException:
                # Whatever is left must not stay claimed by a session that goes back to the
                # pool: closing it releases every claim it holds, as if the process had died.
                await session.invalidate()
                raise
        return len(claimed)

    async def _send(self, session: AsyncSession, row: Row[Any]) -> None:
        async def sent() -> None:
            await repository.mark_sent(session, row)

        try:
            with tracing.span(
                "smtp send",
                parent=row.traceparent,
                kind=SpanKind.CLIENT,
                attributes={"alliance.template": row.template},
            ):
                await self.mailer.send(outgoing(row), accepted=sent)
        except DeliveryError as exc:
            self.smtp_failures.labels("permanent" if exc.permanent else "temporary").inc()
            await self._record_failure(session, row, exc)
        else:
            self.outcomes.labels("sent").inc()

    async def _record_failure(
        self, session: AsyncSession, row: Row[Any], exc: DeliveryError
    ) -> None:
        attempts = int(row.attempts) + 1  # this one
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
        """Send everything due now, a batch at a time (for tests and tools); how many were
        tried."""
        count = 0
        while (claimed := await self._send_due()) > 0:
            count += claimed
            if claimed < self.batch:
                break
        return count
