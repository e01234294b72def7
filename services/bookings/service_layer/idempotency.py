"""Idempotency keys, claimed in the same transaction as the effect they guard.

The claim is an ``INSERT ... ON CONFLICT DO NOTHING``: a concurrent request with the same key
waits for the first to commit, then finds the stored response and replays it. A request that
fails rolls back its claim, so a retry after an error runs again.
"""

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.bookings.tables import idempotency_keys as keys
from shared.web.problems import Unprocessable


@dataclass(frozen=True)
class StoredResponse:
    status_code: int
    body: dict[str, Any]
    replayed: bool = False


def request_hash(payload: Any) -> str:
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


async def claim(
    session: AsyncSession, scope: str, key: str, fingerprint: str
) -> StoredResponse | None:
    """None if this request owns the key now; else the first response to replay."""
    claimed = await session.scalar(
        insert(keys)
        .values(scope=scope, key=key, request_hash=fingerprint)
        .on_conflict_do_nothing()
        .returning(keys.c.key)
    )
    if claimed is not None:
        return None
    row = (
        await session.execute(
            select(keys.c.request_hash, keys.c.status_code, keys.c.response).where(
                keys.c.scope == scope, keys.c.key == key
            )
        )
    ).one()
    if row.request_hash != fingerprint or row.status_code is None:
        raise Unprocessable(
            "this Idempotency-Key was already used for a different request; "
            "use a new key for a new booking",
            title="Idempotency key reused",
        )
    return StoredResponse(row.status_code, row.response, replayed=True)


async def record(
    session: AsyncSession, scope: str, key: str, status_code: int, body: dict[str, Any]
) -> None:
    await session.execute(
        update(keys)
        .where(keys.c.scope == scope, keys.c.key == key)
        .values(status_code=status_code, response=body)
    )
