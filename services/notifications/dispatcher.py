"""Sends pending notifications: a few senders, each locking one due row at a time.

A sender locks a row (``FOR UPDATE SKIP LOCKED``), sends it, and records the outcome in the same
transaction, so no two senders (in any number of processes) send the same row at once, and a
sender that dies releases its row for another to take. The one gap: the SMTP server has accepted
the message but the process dies before the commit. The row is still pending, so it is sent
again, with the same Message-ID (see README.md, "The duplicate window").
"""

import asyncio
import contextlib
import logging
from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.notifications import repository
from services.notifications.domain.retry import RetryPolicy
from services.notifications.mailer import DeliveryError, Mailer, Outgoing

log = logging.getLogger(__name__)


class Dispatcher:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        mailer: Mailer,
        policy: RetryPolicy,
        *,
        senders: int = 4,
        poll_interval_s: float = 1.0,
    ) -> None:
        self.sessions = sessions
        self.mailer = mailer
        self.policy = policy
        self.senders = senders
        self.poll_interval_s = poll_interval_s
        self._wake = asyncio.Condition()
        self._generation = 0

    async def wake(self, *_: object) -> None:
        """Something new is pending: one idle sender looks now (it goes on while rows are due)."""
        async with self._wake:
            self._generation += 1
            self._wake.notify(1)

    def start(self) -> "asyncio.Task[None]":
        return asyncio.create_task(self.run(), name="notifications-dispatcher")

    async def run(self) -> None:
        async with asyncio.TaskGroup() as group:
            for n in range(self.senders):
                group.create_task(self._sender(), name=f"notifications-sender-{n}")

    async def _sender(self) -> None:
        backoff = self.poll_interval_s
        while True:
            generation = self._generation
            try:
                sent_one = await self.send_one()
                backoff = self.poll_interval_s
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("notification sender failed; retrying")
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 30.0)
                continue
            if not sent_one:
                await self._idle(generation)

    async def _idle(self, generation: int) -> None:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(self.poll_interval_s), self._wake:
                await self._wake.wait_for(lambda: self._generation != generation)

    async def send_one(self) -> bool:
        """Send the next due notification, if any; True if there was one."""
        async with self.sessions() as session:
            await session.begin()
            row = await repository.claim_due(session)
            if row is None:
                await session.commit()
                return False
            outgoing = Outgoing(
                message_id=row.message_id,
                to_name=row.recipient_name,
                to_email=row.recipient_email,
                subject=row.subject,
                text=row.body_text,
                html=row.body_html,
            )

            async def record_sent() -> None:
                await repository.mark_sent(session, row.id)
                await session.commit()

            try:
                await self.mailer.send(outgoing, accepted=record_sent)
            except DeliveryError as exc:
                await self._record_failure(session, row, exc)
                await session.commit()
        return True

    async def _record_failure(
        self, session: AsyncSession, row: Row[Any], exc: DeliveryError
    ) -> None:
        attempts = int(row.attempts) + 1
        ident = row.id
        if exc.permanent or self.policy.gives_up_after(attempts):
            log.error(
                "notification failed",
                extra={"notification_id": str(ident), "attempts": attempts, "error": exc.reason},
            )
            await repository.mark_failed(session, ident, exc.reason)
            return
        delay = self.policy.delay_after(attempts)
        log.warning(
            "notification deferred",
            extra={"notification_id": str(ident), "attempts": attempts, "error": exc.reason},
        )
        await repository.retry_later(session, ident, exc.reason, delay)

    async def sweep(self) -> int:
        """Send everything due now, one sender (for tests and tools); how many were tried."""
        count = 0
        while await self.send_one():
            count += 1
        return count
