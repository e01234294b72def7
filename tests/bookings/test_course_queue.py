"""Requests in one line take turns in the process, in groups (the bookings service keeps one
line for all its courses): those that arrive while a group is booked are the next group, in
arrival order, at most ``GROUP_LIMIT``; another line does not wait for them; a wait that runs
out is an error and books nothing; nothing is left behind."""

import asyncio
from typing import Any
from uuid import UUID, uuid4

import pytest

from services.bookings.usecases import course_queue
from tests.support.wait import eventually


class Booker:
    """A ``book_all`` that records its groups and, while ``hold`` is set, waits in the first."""

    def __init__(self, hold: bool = False) -> None:
        self.groups: list[list[str]] = []
        self.inside = asyncio.Event()
        self.release = asyncio.Event()
        if not hold:
            self.release.set()

    async def __call__(self, requests: list[Any]) -> list[Any]:
        self.groups.append(list(requests))
        self.inside.set()
        await self.release.wait()
        return [ValueError(r) if r.startswith("bad") else f"booked {r}" for r in requests]


async def in_line(course: UUID, count: int) -> None:
    """Until ``count`` requests wait in ``course``'s line behind the group being booked."""

    async def waiting() -> int:
        return len(course_queue._lines[course].waiting)

    await eventually(waiting, lambda n: n == count, timeout=5, interval=0.001)


async def test_those_who_come_while_a_group_is_booked_are_the_next_group() -> None:
    course, other = uuid4(), uuid4()
    booker, elsewhere = Booker(hold=True), Booker()

    def take(name: str) -> asyncio.Task[Any]:
        return asyncio.create_task(course_queue.take_turn(course, name, booker, timeout_s=5))

    first = take("first")
    await booker.inside.wait()  # the first group holds the course
    rest = [take(name) for name in ("second", "bad third", "fourth")]
    await in_line(course, 3)
    assert await course_queue.take_turn(other, "elsewhere", elsewhere, 5) == "booked elsewhere"
    booker.release.set()
    assert await first == "booked first"
    assert await rest[0] == "booked second"
    with pytest.raises(ValueError, match="bad third"):
        await rest[1]
    assert await rest[2] == "booked fourth"
    assert booker.groups == [["first"], ["second", "bad third", "fourth"]]
    assert course_queue._lines == {}


async def test_a_group_holds_at_most_the_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(course_queue, "GROUP_LIMIT", 2)
    course, booker = uuid4(), Booker()
    names = [f"r{i}" for i in range(5)]
    answers = await asyncio.gather(
        *(course_queue.take_turn(course, name, booker, timeout_s=5) for name in names)
    )
    assert answers == [f"booked {name}" for name in names]
    assert booker.groups == [["r0", "r1"], ["r2", "r3"], ["r4"]]


async def test_a_wait_that_runs_out_is_an_error_and_books_nothing() -> None:
    course, booker = uuid4(), Booker(hold=True)
    holder = asyncio.create_task(course_queue.take_turn(course, "holder", booker, timeout_s=5))
    await booker.inside.wait()
    with pytest.raises(TimeoutError):
        await course_queue.take_turn(course, "late", booker, timeout_s=0.01)
    booker.release.set()
    assert await holder == "booked holder"
    assert await course_queue.take_turn(course, "next", booker, timeout_s=1) == "booked next"
    assert booker.groups == [["holder"], ["next"]]
    assert course_queue._lines == {}


async def test_a_request_taken_into_a_group_waits_for_its_answer_past_its_timeout() -> None:
    course, booker = uuid4(), Booker(hold=True)
    loop = asyncio.get_running_loop()
    past_timeout = loop.time() + 0.02
    taken = asyncio.create_task(course_queue.take_turn(course, "slow", booker, timeout_s=0.01))
    await booker.inside.wait()

    async def timed_out() -> bool:
        return loop.time() > past_timeout

    await eventually(timed_out, interval=0.01)
    assert not taken.done()  # its group is under way: it waits on
    booker.release.set()
    assert await taken == "booked slow"


async def test_a_group_that_fails_as_a_whole_answers_each_with_the_error() -> None:
    course = uuid4()

    async def broken(requests: list[Any]) -> list[Any]:
        raise RuntimeError("no database")

    answers = await asyncio.gather(
        *(course_queue.take_turn(course, name, broken, timeout_s=5) for name in ("a", "b")),
        return_exceptions=True,
    )
    assert [str(a) for a in answers] == ["no database", "no database"]
    assert all(isinstance(a, RuntimeError) for a in answers)
    assert course_queue._lines == {}


async def test_a_request_cancelled_while_it_waits_is_not_booked() -> None:
    course, booker = uuid4(), Booker(hold=True)
    holder = asyncio.create_task(course_queue.take_turn(course, "holder", booker, timeout_s=5))
    await booker.inside.wait()
    gone = asyncio.create_task(course_queue.take_turn(course, "gone", booker, timeout_s=5))
    await in_line(course, 1)
    gone.cancel()
    with pytest.raises(asyncio.CancelledError):
        await gone
    booker.release.set()
    await holder
    assert booker.groups == [["holder"]]
    assert course_queue._lines == {}


async def test_a_request_answered_in_another_line_gets_that_lines_answer() -> None:
    """A group may hand a request on (a course held elsewhere, in the bookings service): its
    answer is a future, and the request gets what that future holds, result or error, even
    after its first line is gone."""
    line, other = uuid4(), uuid4()
    elsewhere = Booker(hold=True)

    async def hand_on(requests: list[Any]) -> list[Any]:
        return [
            asyncio.ensure_future(course_queue.take_turn(other, r, elsewhere, timeout_s=5))
            for r in requests
        ]

    taken = [
        asyncio.create_task(course_queue.take_turn(line, r, hand_on, timeout_s=5))
        for r in ("one", "bad two")
    ]
    await elsewhere.inside.wait()
    await eventually(lambda: _gone(line), timeout=5, interval=0.001)
    assert not any(t.done() for t in taken)
    elsewhere.release.set()
    assert await taken[0] == "booked one"
    with pytest.raises(ValueError, match="bad two"):
        await taken[1]
    assert elsewhere.groups == [["one", "bad two"]]


async def _gone(line: UUID) -> bool:
    return not course_queue.has_line(line)
