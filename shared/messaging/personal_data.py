"""Answering a personal-data request (``shared.contracts.privacy``) in a service that holds
personal data but does not own the request: do this service's part in the consumer's
transaction and announce it in the same one (its outbox), so the part and the answer commit
together or not at all, and a redelivered request is a no-op (the inbox)."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shared.clock import Clock
from shared.contracts.base import EventData
from shared.contracts.envelope import CloudEvent
from shared.contracts.privacy import PersonalDataRequested
from shared.messaging.outbox import Outbox
from shared.storage.personal_data import fit

Erase = Callable[[AsyncSession, str, datetime], Awaitable[int]]
"""Erase this email's data here, in the session's transaction, for a request made at this
time: the rows changed."""
Export = Callable[[AsyncSession, str, str | None], Awaitable[dict[str, list[dict[str, Any]]]]]
"""The rows here that name this email, by table (only this alliance's, when given)."""


@dataclass(frozen=True)
class PersonalDataAnswers:
    service: str
    outbox: Outbox
    clock: Clock
    erase: Erase
    export: Export
    erased: type[EventData]
    exported: type[EventData]

    async def __call__(self, session: AsyncSession, _: CloudEvent, data: EventData) -> None:
        assert isinstance(data, PersonalDataRequested)
        answer: dict[str, Any] = {
            "request_id": data.request_id,
            "service": self.service,
            "at": self.clock.now(),
        }
        if data.kind == "erasure":
            rows = await self.erase(session, data.email.lower(), data.at)
            await self.outbox.add(session, self.erased(**answer, rows=rows))
        else:
            found = await self.export(session, data.email.lower(), data.alliance_id)
            truncated = fit(found)
            await self.outbox.add(session, self.exported(**answer, data=found, truncated=truncated))
