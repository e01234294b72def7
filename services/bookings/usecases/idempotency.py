"""Idempotency keys, recorded in the same transaction as the effect they guard.

A booking reads what is stored under its key once it holds the course lock (in the same round
trip as the rest of its context, ``booking_context.bookings_context``): a request with the same
key on the same course waits for that lock (or comes later in the same group, and is sent again
once the group committed), so it finds the first one's result, and replays it. The keys and
results of a group are written together at the end (``record``); if another request wrote one
meanwhile (the same key on another course), the insert finds it (waiting for that one to
commit), the transaction is rolled back (``KeyTaken``); alone, the request then replays the
stored result, or is refused as a different request. A request that fails writes no key, so a
retry after an error runs again.
"""

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.bookings.tables import idempotency_keys as keys
from shared.errors import Invalid


class KeyTaken(Exception):
    """Another request recorded this key first; this one's transaction must not commit."""


@dataclass(frozen=True)
class Recorded:
    """A request's result, kept under its key."""

    scope: str
    key: str
    fingerprint: str
    response: dict[str, Any]


_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), default=str)
"""``json.dumps`` with these options, made once (``dumps`` makes an encoder on every call)."""


def request_hash(payload: Any) -> str:
    return hashlib.sha256(_CANONICAL.encode(payload).encode()).hexdigest()


RECORD = insert(keys).on_conflict_do_nothing().returning(keys.c.scope, keys.c.key)
STORED = select(keys.c.request_hash, keys.c.response).where(
    keys.c.scope == bindparam("scope"), keys.c.key == bindparam("key")
)


def replay(fingerprint: str, stored_hash: str, response: dict[str, Any] | None) -> dict[str, Any]:
    """The stored result of the first request with this key, if this is the same request."""
    if stored_hash != fingerprint or response is None:
        raise Invalid(
            "this Idempotency-Key was already used for a different request; "
            "use a new key for a new booking",
            title="Idempotency key reused",
        )
    return dict(response)


async def stored(session: AsyncSession, scope: str, key: str, fingerprint: str) -> dict[str, Any]:
    """The result to replay for a key another request took (see ``KeyTaken``)."""
    row = (await session.execute(STORED, {"scope": scope, "key": key})).one()
    return replay(fingerprint, row.request_hash, row.response)


def rows(results: list[Recorded]) -> list[dict[str, Any]]:
    """The rows of ``idempotency_keys`` that keep ``results``."""
    return [
        {"scope": r.scope, "key": r.key, "request_hash": r.fingerprint, "response": r.response}
        for r in results
    ]


async def record(session: AsyncSession, results: list[Recorded]) -> None:
    """Keep each key with its request's result (as JSON) to replay, in one round trip;
    KeyTaken if any of them is already kept."""
    if not results:
        return
    values = rows(results)
    written = (await session.execute(RECORD, values)).all()
    if len(written) < len(values):
        raise KeyTaken
