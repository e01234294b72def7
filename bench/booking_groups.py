"""The booking use case's groups (issue "Speed"): run by hand, prints figures, not a test.

    .venv/bin/python bench/booking_groups.py [--bookings 1000] [--courses 20] [--in-flight 50]
        [--crowd 2000] [--unsettled] [--profile]

Starts PostgreSQL and the broker (the test suite's stack, on free ports), then books through
``usecases.booking.create_booking`` alone (no HTTP, no relay): ``--bookings`` requests spread
over ``--courses`` courses, ``--in-flight`` at a time (the default run of ``bench/stack.py``),
then a crowd of ``--crowd`` on one course of 30 places, 200 at a time. For each: round trips
per booking (statements, BEGIN and COMMIT, counted in SQLAlchemy's events), commits per
booking, and CPU per booking of this process and of PostgreSQL. Run from the tree to measure
(its ``services`` is imported). The heap is settled as the service settles it once started
(``shared.serve.settle_the_heap``) unless ``--unsettled``; ``--profile`` counts Python calls
per booking (cProfile, a figure that does not depend on the machine's load) and lists the top
(``BENCH_SORT=tottime``, ``BENCH_TOP=45``).
"""

import argparse
import asyncio
import cProfile
import os
import pstats
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import event

ROOT = Path.cwd()
sys.path[:0] = [str(ROOT)]

from cpu import own_cpu, postgres_cpu  # noqa: E402

from services.bookings.config import BookingsSettings  # noqa: E402
from services.bookings.tables import metadata  # noqa: E402
from services.bookings.usecases import booking  # noqa: E402
from services.bookings.usecases.context import BookingsContext  # noqa: E402
from services.bookings.usecases.inputs import NewBooking  # noqa: E402
from shared.clock import MovableClock  # noqa: E402
from shared.identity import Principal, Role  # noqa: E402
from shared.runtime import ServiceRuntime  # noqa: E402
from shared.serve import settle_the_heap  # noqa: E402
from shared.storage import direct  # noqa: E402
from tests.bookings.course_scene import ALLIANCE, member_school, published_course  # noqa: E402
from tests.support.stack import start_stack, stop_stack  # noqa: E402


class RoundTrips:
    """Statements, BEGINs and COMMITs sent on the engine."""

    def __init__(self, ctx: BookingsContext) -> None:
        self.count = {"statement": 0, "begin": 0, "commit": 0}
        engine = ctx.runtime.engine.sync_engine
        event.listen(engine, "before_cursor_execute", lambda *a: self._add("statement"))
        event.listen(engine, "begin", lambda *a: self._add("begin"))
        event.listen(engine, "commit", lambda *a: self._add("commit"))
        # the groups' own statements go straight to the driver (shared.storage.direct)
        direct._observers.append((ctx.runtime.engine, self._direct))

    def _direct(self, sql: str) -> None:
        if sql == "COMMIT":
            self._add("begin")  # one each: a direct transaction is begun where it is committed
            self._add("commit")
        else:
            self._add("statement")

    def _add(self, what: str) -> None:
        self.count[what] += 1

    def snapshot(self) -> dict[str, int]:
        return dict(self.count)


async def book(
    ctx: BookingsContext,
    trips: RoundTrips,
    data_dir: Path,
    label: str,
    course_ids: list[UUID],
    total: int,
    in_flight: int,
    profile: bool = False,
) -> None:
    urn = await member_school(ctx)
    lead = Principal(
        f"lead-{urn}", frozenset({Role.SCHOOL_LEAD}), ALLIANCE, urn, f"lead@{urn}.example.org"
    )
    slots = asyncio.Semaphore(in_flight)

    async def one(i: int) -> Any:
        body = NewBooking.model_validate(
            {"school_urn": urn, "participant": {"name": "Sam", "email": f"p{i}@school.example"}}
        )
        async with slots:
            course_id = course_ids[i % len(course_ids)]
            return await booking.create_booking(ctx, lead, course_id, body, uuid4().hex)

    profiler = cProfile.Profile() if profile else None
    before, cpu, pg, wall = trips.snapshot(), own_cpu(), postgres_cpu(data_dir), time.perf_counter()
    if profiler:
        profiler.enable()
    answers = await asyncio.gather(*(one(i) for i in range(total)), return_exceptions=True)
    if profiler:
        profiler.disable()
    wall = time.perf_counter() - wall
    cpu, pg = own_cpu() - cpu, postgres_cpu(data_dir) - pg
    after = trips.snapshot()
    sent = {k: after[k] - before[k] for k in after}
    errors = sum(isinstance(a, Exception) for a in answers)
    print(
        f"{label}: {total} bookings over {len(course_ids)} course(s), {in_flight} in flight, "
        f"{wall:.2f}s, {errors} errors\n"
        f"  round trips per booking {sum(sent.values()) / total:.3f} "
        f"(statements {sent['statement'] / total:.3f}, BEGIN {sent['begin'] / total:.3f}, "
        f"COMMIT {sent['commit'] / total:.3f})\n"
        f"  CPU ms per booking: this process {1000 * cpu / total:.2f}, "
        f"PostgreSQL {1000 * pg / total:.2f}"
    )
    if profiler:
        stats = pstats.Stats(profiler)
        calls = sum(entry[1] for entry in stats.stats.values())  # type: ignore[attr-defined]
        print(f"  Python function calls per booking (cProfile): {calls / total:.0f}")
        stats.sort_stats(os.environ.get("BENCH_SORT", "cumulative")).print_stats(
            int(os.environ.get("BENCH_TOP", "45"))
        )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bookings", type=int, default=1000)
    parser.add_argument("--courses", type=int, default=20)
    parser.add_argument("--in-flight", type=int, default=50)
    parser.add_argument("--crowd", type=int, default=2000)
    parser.add_argument(
        "--unsettled", action="store_true", help="leave the collector as Python sets it"
    )
    parser.add_argument(
        "--profile", action="store_true", help="count Python calls (cProfile) and list the top"
    )
    args = parser.parse_args()
    print(f"booking groups bench from {ROOT}; load average now {os.getloadavg()[0]:.2f}")
    root = Path(tempfile.mkdtemp(prefix="groupbench-"))
    stack = await start_stack(root)
    try:
        url = await stack.migrated_database("bookings", "groups")
        settings = stack.settings(BookingsSettings, BOOKINGS_DATABASE_URL=url)
        runtime = ServiceRuntime("bookings", settings, metadata)  # not started: no relay
        ctx = BookingsContext(runtime, MovableClock(), settings)
        trips = RoundTrips(ctx)
        try:
            spread = [await published_course(ctx, capacity=60) for _ in range(args.courses)]
            if not args.unsettled:
                settle_the_heap()  # as the service does once started
            await book(
                ctx,
                trips,
                root / "pgdata",
                "spread",
                spread,
                args.bookings,
                args.in_flight,
                args.profile,
            )
            if not args.crowd:
                return
            crowd = [await published_course(ctx, capacity=30)]
            await book(ctx, trips, root / "pgdata", "crowd", crowd, args.crowd, 200, args.profile)
        finally:
            await runtime.engine.dispose()
    finally:
        await stop_stack(stack)
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    asyncio.run(main())
