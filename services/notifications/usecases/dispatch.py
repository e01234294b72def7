"""Use case: send the next due notification and record how it went.

A sender locks a row (``FOR UPDATE SKIP LOCKED``) and marks it sent in one statement, sends it,
and commits as soon as the server has the message (a failure rewrites the row in the same
transaction instead), so no two senders (in any number of processes) send the same row at once,
and a sender that dies releases its row for another to take. The one gap: the SMTP server has
accepted the message but the process dies before the commit. The row is still pending, so it is
sent again, with the same Message-ID (see README.md, "The duplicate window").

``send_one`` is the step of the senders' ``shared.workers.Worker`` (wired in ``app.py``).
"""

import logging
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.notifications import repository
from services.notifications.domain.messages import DeliveryError, Outgoing
from services.notifications.domain.retry import RetryPolicy

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
        self, sessions: async_sessionmaker[AsyncSession], mailer: Mailer, policy: RetryPolicy
    ) -> None:
        self.sessions = sessions
        self.mailer = mailer
        self.policy = policy

    async def send_one(self) -> bool:
        """Send the next due notification, if any; True if there was one."""
        async with self.sessions() as session:
            await session.begin()
            row = await repository.claim_for_sending(session)
            if row is None:
                await session.commit()
                return False
            try:
                await self.mailer.send(outgoing(row), accepted=session.commit)
            except DeliveryError as exc:
                await self._record_failure(session, row, exc)
                await session.commit()
        return True

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
            await repository.mark_failed(session, ident, exc.reason)
            return
        delay = self.policy.delay_after(attempts)
        log.warning(
            "notification deferred",
            extra={"notification_id": str(ident), "attempts": attempts, "error": exc.reason},
        )
        await repository.retry_later(session, ident, exc.reason, delay)

    async def sweep(self) -> int:
        """Send everything due now, one at a time (for tests and tools); how many were tried."""
        count = 0
        while await self.send_one():
            count += 1
        return count
