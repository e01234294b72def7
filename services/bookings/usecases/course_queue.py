"""Bookings on one course take turns in this process before they take a database connection.

Under the course's row lock only one booking on a course goes on at a time anyway. Without this
queue a crowd on one course waits inside PostgreSQL, each holding one of the pool's connections:
the rest of the service waits for a connection (and times out), and the one holding the lock
waits behind them all for the event loop. Here they wait for an ``asyncio.Lock`` (first come,
first served) holding nothing. The row lock stays the rule across processes; this only orders
the bookings of one process. The wait is bounded as the wait for a connection and for the row
lock were together; past it the request fails as an outage would (503, Retry-After).
"""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from uuid import UUID

_queues: dict[UUID, tuple[asyncio.Lock, int]] = {}


@asynccontextmanager
async def turn(course_id: UUID, timeout_s: float) -> AsyncIterator[None]:
    """Wait (at most ``timeout_s``, else TimeoutError) until no other booking of this process is
    going on for ``course_id``, and hold the turn for the block."""
    lock, waiting = _queues.get(course_id, (None, 0))
    lock = lock or asyncio.Lock()
    _queues[course_id] = (lock, waiting + 1)
    try:
        async with asyncio.timeout(timeout_s):
            await lock.acquire()
        try:
            yield
        finally:
            lock.release()
    finally:
        lock, waiting = _queues[course_id]
        if waiting == 1:
            del _queues[course_id]  # nobody else wants this course: forget its lock
        else:
            _queues[course_id] = (lock, waiting - 1)
