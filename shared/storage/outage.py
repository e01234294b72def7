"""Telling an unreachable database from a bug."""

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError


def is_outage(exc: BaseException) -> bool:
    """The database (or the network to it) is down, rather than the code being wrong."""
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    return isinstance(exc, OperationalError | InterfaceError | OSError | TimeoutError)
