"""Idempotency keys, claimed in the same transaction as the effect they guard.

The claim is an ``INSERT ... ON CONFLICT DO NOTHING``: a concurrent request with the same key
waits for the first to commit, then finds the stored response and replays it. A request that
fails rolls back its claim, so a retry after an error runs again.
"""

import hashlib
import json
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.bookings.tables import idempotency_keys as keys
from shared.errors import Invalid


def request_hash(payload: Any) -> str:
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


CLAIM = insert(keys).on_conflict_do_nothing().returning(keys.c.key)
STORED = select(keys.c.request_hash, keys.c.response).where(
    keys.c.scope == bindparam("scope"), keys.c.key == bindparam("key")
)
RECORD = update(keys).where(keys.c.scope == bindparam("b_scope"), keys.c.key == bindparam("b_key"))


async def claim(
    session: AsyncSession, scope: str, key: str, fingerprint: str
) -> dict[str, Any] | None:
    """None if this request owns the key now; else the first result to replay."""
    values = {"scope": scope, "key": key, "request_hash": fingerprint}
    if await session.scalar(CLAIM, values) is not None:
        return None
    row = (await session.execute(STORED, {"scope": scope, "key": key})).one()
    if row.request_hash != fingerprint or row.response is None:
        raise Invalid(
            "this Idempotency-Key was already used for a different request; "
            "use a new key for a new booking",
            title="Idempotency key reused",
        )
    return dict(row.response)


async def record(session: AsyncSession, scope: str, key: str, result: dict[str, Any]) -> None:
    """Keep the first result (as JSON) to replay; ``status_code`` is left to older rows."""
    await session.execute(RECORD, {"b_scope": scope, "b_key": key, "response": result})
