"""One person's email wherever a service's tables hold it as text: find the rows that name it
(a subject access export) and scrub it out of them (erasure).

A service first anonymises the columns it knows (names, addresses with unique placeholders, rows
it deletes); ``scrub`` then replaces every remaining occurrence of the email, in any text or JSON
column of any table (free text, stored responses, event payloads), with ``ERASED``.
"""

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from pydantic_core import to_jsonable_python
from sqlalchemy import (
    JSON,
    Column,
    ColumnElement,
    String,
    Table,
    Text,
    cast,
    delete,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession

ERASED = "[erased]"
EXPORT_LIMIT_BYTES = 512 * 1024
"""An export part travels as one Kafka message: past this its rows are cut (and it says so)."""


def normalised(email: str) -> str:
    return email.strip().lower()


def placeholder(key: ColumnElement[Any]) -> ColumnElement[str]:
    """A per-row address that names nobody (unique where the real one had to be)."""
    return "erased-" + cast(key, Text) + "@erased.invalid"


def _pattern(email: str) -> str:
    # PostgreSQL's regular expressions: a backslash before a non-alphanumeric makes it literal.
    return re.sub(r"(\W)", r"\\\1", normalised(email))


def without(column: ColumnElement[str], email: ColumnElement[str]) -> ColumnElement[str]:
    """``column`` with each occurrence of the address in ``email`` (a column of the same row)
    replaced by ``ERASED``."""
    pattern = func.regexp_replace(func.lower(email), r"(\W)", r"\\\1", "g")
    return func.regexp_replace(column, pattern, ERASED, "gi")


def _text_columns(table: Table) -> list[Column[Any]]:
    return [c for c in table.columns if isinstance(c.type, String)]


def _json_columns(table: Table) -> list[Column[Any]]:
    return [c for c in table.columns if isinstance(c.type, JSON)]


def _contains(expression: ColumnElement[Any], email: str) -> ColumnElement[bool]:
    return func.strpos(func.lower(expression), normalised(email)) > 0


def mentions(table: Table, email: str) -> ColumnElement[bool]:
    """True for a row of ``table`` that holds ``email`` in any text or JSON column."""
    found = [_contains(c, email) for c in _text_columns(table)]
    found += [_contains(cast(c, Text), email) for c in _json_columns(table)]
    return or_(*found) if found else or_(False)


async def rows_naming(
    session: AsyncSession,
    tables: Iterable[Table],
    email: str,
    scopes: Mapping[str, ColumnElement[bool] | None] | None = None,
) -> dict[str, list[dict[str, Any]]]:
    """Every row that names ``email``, by table, as JSON. ``scopes`` limits a table's rows (by
    name); a table mapped to None is left out."""
    found: dict[str, list[dict[str, Any]]] = {}
    for table in tables:
        query = select(table).where(mentions(table, email))
        if scopes is not None:
            if table.name not in scopes or scopes[table.name] is None:
                continue
            query = query.where(scopes[table.name])
        rows = (await session.execute(query)).mappings().all()
        if rows:
            found[table.name] = [to_jsonable_python(dict(row)) for row in rows]
    return found


def fit(data: dict[str, list[dict[str, Any]]], limit: int = EXPORT_LIMIT_BYTES) -> bool:
    """Cut rows (from the largest table first) until ``data`` fits ``limit`` bytes of JSON;
    True when something was cut."""
    cut = False
    while len(json.dumps(data, default=str).encode()) > limit and any(data.values()):
        largest = max(data, key=lambda name: len(data[name]))
        data[largest].pop()
        cut = True
    return cut


async def scrub(session: AsyncSession, tables: Iterable[Table], email: str) -> int:
    """Replace ``email`` (in any case) by ``ERASED`` in every text and JSON column of ``tables``;
    the number of column values changed."""
    pattern = _pattern(email)
    changed = 0
    for table in tables:
        for column in _text_columns(table):
            replaced = func.regexp_replace(column, pattern, ERASED, "gi")
            statement = update(table).where(_contains(column, email)).values({column: replaced})
            changed += (await session.execute(statement)).rowcount or 0
        for column in _json_columns(table):
            as_text = cast(column, Text)
            replaced_json = cast(func.regexp_replace(as_text, pattern, ERASED, "gi"), JSONB)
            statement = (
                update(table).where(_contains(as_text, email)).values({column: replaced_json})
            )
            changed += (await session.execute(statement)).rowcount or 0
    return changed


async def forget_published(session: AsyncSession, outbox: Table, email: str) -> int:
    """Delete the published outbox rows that name ``email`` (pending ones are scrubbed instead:
    they still have to go)."""
    statement = delete(outbox).where(outbox.c.published_at.is_not(None), mentions(outbox, email))
    return (await session.execute(statement)).rowcount or 0
