"""Bookings on one course take turns in the process, first come first served; other courses do
not wait for them; a wait that runs out is an error, and nothing is left behind."""

import asyncio
from uuid import uuid4

import pytest

from services.bookings.usecases import course_queue


async def test_one_course_takes_turns_in_arrival_order_while_another_goes_on() -> None:
    course, other = uuid4(), uuid4()
    order: list[str] = []
    release, first_in = asyncio.Event(), asyncio.Event()

    async def book(name: str, course_id=course) -> None:
        async with course_queue.turn(course_id, timeout_s=5):
            order.append(f"{name} in")
            if name == "first":
                first_in.set()
                await release.wait()
            order.append(f"{name} out")

    tasks = [asyncio.create_task(book(name)) for name in ("first", "second", "third")]
    await first_in.wait()
    await book("elsewhere", other)  # does not wait for the first to finish
    release.set()
    await asyncio.gather(*tasks)
    assert order == [
        "first in",
        "elsewhere in",
        "elsewhere out",
        "first out",
        "second in",
        "second out",
        "third in",
        "third out",
    ]
    assert course_queue._queues == {}


async def test_a_wait_that_runs_out_is_an_error_and_the_turn_goes_on() -> None:
    course = uuid4()
    held = asyncio.Event()
    release = asyncio.Event()

    async def hold() -> None:
        async with course_queue.turn(course, timeout_s=5):
            held.set()
            await release.wait()

    holder = asyncio.create_task(hold())
    await held.wait()
    with pytest.raises(TimeoutError):
        async with course_queue.turn(course, timeout_s=0.01):
            pass
    release.set()
    await holder
    async with course_queue.turn(course, timeout_s=1):
        pass
    assert course_queue._queues == {}
