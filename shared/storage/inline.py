"""A constant written into a statement's SQL text instead of being sent as a parameter."""

from typing import Any

from sqlalchemy import literal


def inline(value: str) -> Any:
    """``value`` as a quoted literal in the SQL text (``status = 'pending'``), not ``$1``.

    For the constants that a partial index's predicate names. asyncpg prepares every statement,
    and PostgreSQL soon runs a prepared statement with its generic plan, made without the
    parameters' values: ``status = $1`` cannot prove ``WHERE status = 'pending'``, so the partial
    index is skipped and the whole table is read, done rows and all. With the value written in,
    the generic plan uses the index. The statement is still compiled once (SQLAlchemy writes the
    value in at execution: ``literal_execute``).
    """
    return literal(value, literal_execute=True)
