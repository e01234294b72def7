"""The plan PostgreSQL settles on for a prepared statement, for tests that check an index is
usable by it."""

import re
from typing import Any

import asyncpg
from sqlalchemy.dialects.postgresql import asyncpg as asyncpg_dialect
from sqlalchemy.sql import visitors
from sqlalchemy.sql.elements import BindParameter


def _with_values(statement: Any, values: dict[str, Any]) -> Any:
    """``statement.params(**values)``, which an UPDATE does not offer."""

    def valued(element: Any) -> Any:
        if isinstance(element, BindParameter) and element.key in values:
            return element._with_value(values[element.key], maintain_key=True, required=False)
        return None

    return visitors.replacement_traverse(statement, {}, valued)


async def generic_plan(url: str, statement: Any, **values: Any) -> str:
    """The generic plan of ``statement`` prepared as the service sends it (constants written in
    by ``shared.storage.inline`` are in the text, the rest are ``$n``): the plan made without
    the parameters' values, which asyncpg's prepared statements soon run with. Sequential scans
    are discouraged, so the plan names an index whenever one can answer the statement; on a
    small table the planner would read it whole either way. ``values`` are placeholders only:
    the compiler wants one for each bound parameter."""
    statement = _with_values(statement, values) if values else statement
    compiled = statement.compile(
        dialect=asyncpg_dialect.dialect(), compile_kwargs={"render_postcompile": True}
    )
    sql = str(compiled)
    count = max((int(n) for n in re.findall(r"\$(\d+)", sql)), default=0)
    conn = await asyncpg.connect(url.replace("+asyncpg", ""))
    try:
        await conn.execute("SET plan_cache_mode = force_generic_plan; SET enable_seqscan = off")
        await conn.execute(f"PREPARE checked AS {sql}")
        arguments = f"({', '.join(['NULL'] * count)})" if count else ""
        rows = await conn.fetch(f"EXPLAIN (COSTS OFF) EXECUTE checked{arguments}")
        return "\n".join(row[0] for row in rows)
    finally:
        await conn.close()
