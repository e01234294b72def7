"""Bookings on one course take turns in this process, in groups, before they take a database
connection.

Under the course's row lock only one booking on a course goes on at a time anyway. Without this
queue a crowd on one course waits inside PostgreSQL, each holding one of the pool's connections:
the rest of the service waits for a connection (and times out), and the one holding the lock
waits behind them all for the event loop. Here they wait in a line holding nothing, and the
line's worker books them in groups (group commit): while one group is being booked the next
requests queue up, and the next group is all of them (at most ``GROUP_LIMIT``), in arrival
order, booked in one transaction (``book_all``). The row lock stays the rule across processes;
this only orders the bookings of one process. The wait for a group to take a request is bounded
as the wait for a connection and for the row lock were together; past it the request fails as
an outage would (503, Retry-After), having done nothing. Once taken, it has its group's answer.
"""

import asyncio
import contextvars
from collections import deque
from collections.abc import Awaitable, Callable, Hashable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

GROUP_LIMIT = 100

BookAll = Callable[[list[Any]], Awaitable[Sequence[Any]]]
"""Books a group's requests together: an answer per request, in order, either its result, the
exception to raise for it, or a future that will hold its answer (another line's)."""


@dataclass
class _Ticket:
    request: Any
    answer: asyncio.Future[Any]
    forwarded: bool = False
    """Its answer comes from another line."""


@dataclass
class _Line:
    book_all: BookAll
    waiting: deque[_Ticket] = field(default_factory=deque)
    worker: asyncio.Task[None] | None = None


_lines: dict[Hashable, _Line] = {}


def has_line(line_id: Hashable) -> bool:
    """Whether requests wait in line ``line_id`` or its group is being booked."""
    return line_id in _lines


async def take_turn(line_id: Hashable, request: Any, book_all: BookAll, timeout_s: float) -> Any:
    """``request``'s answer once it is booked with the others in line ``line_id`` that arrived
    while the group before it was booked (its exception raised here); TimeoutError if no group
    took it within ``timeout_s``. Every request in one line goes with the same ``book_all``."""
    line = _lines.get(line_id)
    if line is None:
        line = _lines[line_id] = _Line(book_all)
        # its own context: the worker serves many requests and carries none of their ids
        line.worker = asyncio.create_task(_work(line_id, line), context=contextvars.Context())
    ticket = _Ticket(request, asyncio.get_running_loop().create_future())
    line.waiting.append(ticket)
    try:
        async with asyncio.timeout(timeout_s):
            return await asyncio.shield(ticket.answer)
    except TimeoutError:
        if ticket in line.waiting:  # no group took it: nothing was done
            line.waiting.remove(ticket)
            raise
    except asyncio.CancelledError:
        if ticket in line.waiting:
            line.waiting.remove(ticket)
        raise
    return await ticket.answer  # its group is under way


async def _work(line_id: Hashable, line: _Line) -> None:
    group: list[_Ticket] = []
    try:
        while line.waiting:
            count = min(GROUP_LIMIT, len(line.waiting))
            group = [line.waiting.popleft() for _ in range(count)]
            try:
                answers = await line.book_all([ticket.request for ticket in group])
            except Exception as error:  # book_all answers each request: this is a safety net
                answers = [error] * len(group)
            for ticket, answer in zip(group, answers, strict=True):
                if ticket.answer.done():
                    continue
                if isinstance(answer, asyncio.Future):  # to be answered in another line
                    answer.add_done_callback(partial(_forward, ticket.answer))
                    ticket.forwarded = True
                elif isinstance(answer, BaseException):
                    ticket.answer.set_exception(answer)
                else:
                    ticket.answer.set_result(answer)
    finally:
        del _lines[line_id]  # nobody waits in it: forget the line
        for ticket in (*group, *line.waiting):  # only when the worker itself is cancelled
            if not ticket.forwarded:
                ticket.answer.cancel()


def _forward(answer: asyncio.Future[Any], source: asyncio.Future[Any]) -> None:
    error = None if source.cancelled() else source.exception()
    if answer.done():
        return
    if source.cancelled():
        answer.cancel()
    elif error is not None:
        answer.set_exception(error)
    else:
        answer.set_result(source.result())
