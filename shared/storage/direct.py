"""Statements run straight on asyncpg, for a service's hottest transaction.

A Core statement, compiled once per dialect, is sent on the driver's own connection with
positional arguments: none of SQLAlchemy's work per execution (cache key, parameters, cursor,
result objects, the greenlet), which measured ~0.7 ms of CPU for a transaction of three
statements, against ~0.3 ms for the same on asyncpg (``bench/booking_groups.py``). The
statement is still written once, in Core; the connection still comes from the engine's pool,
and a driver error is raised as SQLAlchemy raises it (``DBAPIError``, the connection
invalidated on a disconnect), so whoever tells an outage from a bug tells it the same way.
"""

import contextlib
import weakref
from collections import namedtuple
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
from sqlalchemy import Float
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.sql import ClauseElement

_DRIVER_ERRORS = (
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,
    OSError,
)

_observers: list[tuple[AsyncEngine | None, Callable[[str], None]]] = []


@contextlib.contextmanager
def observed(observer: Callable[[str], None], engine: AsyncEngine | None = None) -> Any:
    """``observer`` is told each statement's SQL (and ``COMMIT``) sent on ``engine``'s
    connections (any engine's if None) while the block runs, as SQLAlchemy's
    ``before_cursor_execute`` event tells of the others (tests, benches)."""
    entry = (engine, observer)
    _observers.append(entry)
    try:
        yield
    finally:
        _observers.remove(entry)


def _tell(engine: AsyncEngine, sql: str) -> None:
    for wanted, observer in _observers:
        if wanted is None or wanted is engine:
            observer(sql)


def _processed(process: Callable[[Any], Any] | None, value: Any) -> Any:
    return process(value) if process and value is not None else value


FLOAT8, NUMERIC = 701, 1700
"""asyncpg's numeric types need the column's type OID to choose their result processor."""


def _result_processor(type_: Any, dialect: Dialect) -> Callable[[Any], Any] | None:
    try:
        return type_._cached_result_processor(dialect, None)  # type: ignore[no-any-return]
    except TypeError:
        oid = FLOAT8 if isinstance(type_, Float) else NUMERIC
        return type_._cached_result_processor(dialect, oid)  # type: ignore[no-any-return]


def _row_type(names: list[str]) -> Any:
    """A named tuple with ``_mapping``, as SQLAlchemy's rows have."""
    base = namedtuple("Row", names, rename=True)  # type: ignore[misc]
    return type("Row", (base,), {"__slots__": (), "_mapping": property(base._asdict)})


class _Compiled:
    def __init__(self, statement: ClauseElement, dialect: Dialect) -> None:
        compiled = statement.compile(dialect=dialect)
        # the constants of expanding IN lists are rendered now, once
        state = compiled.construct_expanded_state(compiled.construct_params(_check=False))
        self.sql: str = state.statement
        processors = {**compiled._bind_processors, **(state.processors or {})}
        self.arguments = [
            (
                name,
                processors.get(name),
                _processed(processors.get(name), state.parameters.get(name)),
            )
            for name in state.positiontup or ()
        ]
        columns = getattr(compiled, "_result_columns", None) or []
        self.row = _row_type([c.keyname for c in columns]) if columns else None
        self.results = [_result_processor(c.type, dialect) for c in columns]

    def args(self, values: Mapping[str, Any]) -> list[Any]:
        return [
            (process(values[name]) if process else values[name]) if name in values else constant
            for name, process, constant in self.arguments
        ]

    def rows(self, records: Sequence[asyncpg.Record]) -> list[Any]:
        if self.row is None:
            return list(records)
        if not any(self.results):
            return [self.row._make(r) for r in records]
        return [
            self.row._make(p(v) if p else v for p, v in zip(self.results, r, strict=True))
            for r in records
        ]


class Direct:
    """A Core statement to run on a ``DirectConnection``: rows come back as named tuples
    (``row.column``, and ``row._mapping``), their values as SQLAlchemy would give them."""

    def __init__(self, statement: ClauseElement) -> None:
        self.statement = statement
        self._by_dialect: weakref.WeakKeyDictionary[Dialect, _Compiled] = (
            weakref.WeakKeyDictionary()
        )

    def compiled(self, dialect: Dialect) -> _Compiled:
        found = self._by_dialect.get(dialect)
        if found is None:
            found = self._by_dialect[dialect] = _Compiled(self.statement, dialect)
        return found


class DirectConnection:
    def __init__(self, engine: AsyncEngine, raw: asyncpg.Connection, adapter: Any) -> None:
        self.engine = engine
        self.raw = raw
        self.dialect = engine.dialect
        self._adapter = adapter

    async def all(self, statement: Direct, values: Mapping[str, Any]) -> list[Any]:
        compiled = statement.compiled(self.dialect)
        _tell(self.engine, compiled.sql)
        try:
            records = await self.raw.fetch(compiled.sql, *compiled.args(values))
        except _DRIVER_ERRORS as error:
            raise self._translated(error, compiled.sql) from error
        return compiled.rows(records)

    async def scalar(self, statement: Direct, values: Mapping[str, Any]) -> Any:
        rows = await self.all(statement, values)
        return rows[0][0] if rows else None

    def _translated(self, error: Exception, sql: str | None) -> DBAPIError:
        """As SQLAlchemy raises it: the adapter's DB-API error, wrapped in ``DBAPIError``."""
        try:
            self._adapter._handle_exception(error)
        except Exception as adapted:
            translated = adapted
        else:  # pragma: no cover - the adapter always raises
            translated = error
        invalidated = (
            self.dialect.is_disconnect(translated, self._adapter, None)
            or self.raw.is_closed()
            or isinstance(error, asyncpg.InternalClientError)  # the protocol lost its place
        )
        wrapped = DBAPIError.instance(
            sql,
            None,
            translated,
            self.dialect.loaded_dbapi.Error,
            connection_invalidated=invalidated,
            dialect=self.dialect,
        )
        return wrapped  # type: ignore[return-value]


@asynccontextmanager
async def direct_transaction(engine: AsyncEngine) -> AsyncIterator[DirectConnection]:
    """A connection of ``engine``'s pool in a transaction of its own: committed when the block
    ends, rolled back if it raises. A disconnect invalidates the connection, as in SQLAlchemy."""
    async with engine.connect() as connection:
        fairy = await connection.get_raw_connection()
        direct = DirectConnection(engine, fairy.driver_connection, fairy.dbapi_connection)
        try:
            transaction = direct.raw.transaction()
            await transaction.start()
            try:
                yield direct
            except BaseException:
                try:
                    await transaction.rollback()
                except Exception:  # not to be handed on in a transaction: closed instead
                    await connection.invalidate()
                raise
            _tell(engine, "COMMIT")
            await transaction.commit()
        except _DRIVER_ERRORS as error:
            failure = direct._translated(error, None)
            if failure.connection_invalidated:
                await connection.invalidate(failure)
            raise failure from error
        except DBAPIError as failure:
            if failure.connection_invalidated:
                await connection.invalidate(failure)
            raise
