"""Telling a database that is unreachable, hung or too busy from a bug."""

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

TRANSIENT_STATES = frozenset(
    {
        "57014",  # query_canceled: statement_timeout (or a cancel request)
        "55P03",  # lock_not_available: lock_timeout on a row lock
        "57P01",  # admin_shutdown
        "57P02",  # crash_shutdown
        "57P03",  # cannot_connect_now (starting up, shutting down)
        "53300",  # too_many_connections
    }
)


def sqlstate(exc: BaseException) -> str | None:
    """The PostgreSQL SQLSTATE behind a SQLAlchemy or driver error, if any."""
    candidates = [exc, getattr(exc, "orig", None)]
    candidates.append(getattr(candidates[-1], "__cause__", None))
    for candidate in candidates:
        state = getattr(candidate, "sqlstate", None) or getattr(candidate, "pgcode", None)
        if isinstance(state, str):
            return state
    return None


def is_outage(exc: BaseException) -> bool:
    """The database (or the network to it) is down, hung or overloaded, rather than the code
    being wrong: worth a 503 and a retry, never a dead letter."""
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    if isinstance(exc, OperationalError | InterfaceError | PoolTimeout | OSError | TimeoutError):
        return True
    state = sqlstate(exc)
    if state is not None and (state in TRANSIENT_STATES or state.startswith("08")):
        return True
    cause = exc.__cause__ or exc.__context__
    return cause is not None and cause is not exc and isinstance(cause, TimeoutError | OSError)
