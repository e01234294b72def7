"""Benchmark of the whole stack (issue "Speed"): run by hand, prints figures, not a test.

    .venv/bin/python bench/stack.py                  # the default run of the issue
    .venv/bin/python bench/stack.py --bookings 300   # a quicker look

Starts ``alliance up`` on free ports in a temporary directory (no demo data), then measures:
start to ready per service and idle RSS; 1,000 bookings by 50 clients over 20 courses
(bookings/s, p50/p95/p99) with the CPU of every process (psutil: user + system, children
reaped included) from the first request until both emails of every booking are in the
Maildir, divided by the bookings; how fast notifications catch up once the bookings stop;
p99 at half the measured rate, and the cores each part used meanwhile (PostgreSQL's backends by
the database they serve, and this bench's own client); a flash crowd (5,000 attempts on 30
places). The machine may be shared: run it when quiet and repeat.

For the paced run: ``--half-rate R --half-bookings N`` fix it (to compare two builds at the
same rate), ``--timeline`` prints its latencies by when they were sent (slow ones spread out or
together?), ``--half-alone`` pauses notifications, finance and the SMTP server meanwhile (the
booking path's own latency), ``--profile-half bookings`` runs py-spy on it alone.
"""

import argparse
import asyncio
import os
import random
import signal
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from bookings import Bench  # noqa: E402
from cpu import own_cpu  # noqa: E402

from devstack import free_port  # noqa: E402
from shared.settings import Settings  # noqa: E402
from tests.devstack.up import isolated_env, reachable_tmp, wait_for_line  # noqa: E402

SERVICES = ("bookings", "brokerage", "notifications", "finance")
PARTS = (
    "bookings",
    "brokerage",
    "notifications",
    "finance",
    "smtp",
    "postgres",
    "broker",
    "alliance-up",
)


def part_of(process: psutil.Process) -> str:
    """Which part of the stack a process belongs to, by its command line."""
    try:
        command = " ".join(process.cmdline())
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return "gone"
    for service in SERVICES:
        if f"-m services.{service}" in command:
            return service
    if "devstack.smtp_server" in command:
        return "smtp"
    if "postgres" in command:
        return "postgres"
    if "tansu" in command:
        return "broker"
    return "alliance-up"


def cpu_by_backend(root: psutil.Process) -> dict[str, float]:
    """``cpu_by_part`` with PostgreSQL's backends by the database they serve."""
    totals: dict[str, float] = {}
    for process in [root, *root.children(recursive=True)]:
        try:
            t = process.cpu_times()
            part = part_of(process)
            if part == "postgres":
                title = process.cmdline()[0].split()
                if len(title) > 2 and title[2].startswith("alliance_"):
                    part = "pg " + title[2].removeprefix("alliance_")
                elif len(title) > 1 and title[0] == "postgres:":
                    part = "pg " + " ".join(title[1:])[:20]
        except (psutil.NoSuchProcess, IndexError):
            continue
        totals[part] = totals.get(part, 0.0) + t.user + t.system
    return totals


def cpu_by_part(root: psutil.Process) -> dict[str, float]:
    """CPU seconds so far of every process under ``alliance up``, by part."""
    totals = dict.fromkeys(PARTS, 0.0)
    for process in [root, *root.children(recursive=True)]:
        try:
            t = process.cpu_times()
            part = part_of(process)
        except psutil.NoSuchProcess:
            continue
        if part != "gone":
            totals[part] += t.user + t.system + t.children_user + t.children_system
    return totals


def service_processes(root: psutil.Process) -> dict[str, psutil.Process]:
    return {
        part: p for p in root.children() if (part := part_of(p)) in SERVICES
    }  # the services are direct children of alliance up


def mail_count(maildir: Path) -> int:
    return sum(1 for _ in os.scandir(maildir / "new")) if (maildir / "new").is_dir() else 0


@dataclass
class Stack:
    process: subprocess.Popen[bytes]
    env: dict[str, str]
    var_dir: Path

    @property
    def root(self) -> psutil.Process:
        return psutil.Process(self.process.pid)

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.env[f'{service.upper()}_PORT']}"


def start_to_ready(stack: Stack) -> dict[str, float]:
    """Seconds from each service's process start to its first 200 on /readyz."""
    ready: dict[str, float] = {}
    with httpx.Client(timeout=1.0) as client:
        deadline = time.monotonic() + 120
        while len(ready) < len(SERVICES) and time.monotonic() < deadline:
            for service, process in service_processes(stack.root).items():
                if service in ready:
                    continue
                try:
                    if client.get(f"{stack.url(service)}/readyz").status_code == 200:
                        ready[service] = time.time() - process.create_time()
                except httpx.HTTPError:
                    pass
            time.sleep(0.02)
    return ready


def rss_mb(stack: Stack) -> dict[str, float]:
    return {s: p.memory_info().rss / 2**20 for s, p in service_processes(stack.root).items()}


def restart_times(stack: Stack) -> dict[str, float]:
    """Warm start: kill each service; time from the new process's start to ready."""
    times: dict[str, float] = {}
    for service in SERVICES:
        old = service_processes(stack.root)[service]
        old.send_signal(signal.SIGKILL)
        old.wait(10)
        deadline = time.monotonic() + 60
        while (new := service_processes(stack.root).get(service)) is None or new.pid == old.pid:
            if time.monotonic() > deadline:
                raise SystemExit(f"{service} was not restarted")
            time.sleep(0.01)
        with httpx.Client(timeout=1.0) as client:
            while True:
                try:
                    if client.get(f"{stack.url(service)}/readyz").status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                time.sleep(0.02)
        times[service] = time.time() - new.create_time()
    return times


async def load(bench: Bench, courses: list[str], urns: list[str], n: int, rate: float | None):
    """``n`` bookings by ``bench.args.clients`` clients; paced at ``rate``/s if given."""
    leads = {urn: bench.lead(urn) for urn in urns}
    latencies: list[float] = []
    failures: list[str] = []
    started = time.perf_counter()
    issued = 0
    bench.timeline = []

    async def client() -> None:
        nonlocal issued
        while issued < n:
            slot = issued
            issued += 1
            if rate:
                await asyncio.sleep(max(0.0, started + slot / rate - time.perf_counter()))
            urn = random.choice(urns)
            sent = time.perf_counter() - started
            elapsed, answer = await bench.book(random.choice(courses), urn, leads[urn])
            latencies.append(elapsed)
            bench.timeline.append((sent, elapsed))
            if isinstance(answer, str):
                failures.append(answer)

    await asyncio.gather(*(client() for _ in range(bench.args.clients)))
    return time.perf_counter() - started, latencies, failures


def quantiles_ms(latencies: list[float]) -> str:
    q = statistics.quantiles(latencies, n=100)
    return f"p50 {q[49] * 1000:.1f}  p95 {q[94] * 1000:.1f}  p99 {q[98] * 1000:.1f} ms"


def pause_after_the_booking(stack: Stack) -> list[psutil.Process]:
    """SIGSTOP notifications, finance and the SMTP server: the booking path's own latency."""
    paused = [
        p
        for p in stack.root.children(recursive=True)
        if part_of(p) in ("notifications", "finance", "smtp")
    ]
    for process in paused:
        process.suspend()
    return paused


def print_timeline(timeline: list[tuple[float, float]], window: float = 0.25) -> None:
    """Latency by when the request was sent: are the slow ones spread out or together?"""
    print("  sent at   n   p50 ms   max ms   over 50 ms")
    end = max(sent for sent, _ in timeline)
    start = 0.0
    while start <= end:
        inside = sorted(e for sent, e in timeline if start <= sent < start + window)
        if inside:
            slow = sum(1 for e in inside if e > 0.05)
            print(
                f"  {start:6.2f}s {len(inside):4d} {inside[len(inside) // 2] * 1000:7.1f}"
                f" {inside[-1] * 1000:8.1f} {slow:6d}"
            )
        start += window


async def wait_for_mail(maildir: Path, expected: int, timeout: float) -> float | None:
    deadline = time.monotonic() + timeout
    while mail_count(maildir) < expected:
        if time.monotonic() > deadline:
            return None
        await asyncio.sleep(0.02)
    return time.perf_counter()


async def measure_load(
    stack: Stack,
    args: argparse.Namespace,
    bench: Bench,
    courses: list[str],
    urns: list[str],
    warm_mail: int,
) -> int:
    """The default run's figures: the load, the mail after it, CPU per booking, half rate."""
    maildir = stack.var_dir / "mail"
    if args.pg_statements:
        await pg_statements(stack, reset=True)
    # before pg_counters: its own sessions are not counted with the services'
    maintenance_before = await pg_maintenance(stack) if args.pg_statements else {}
    pg_before = await pg_counters(stack)
    wal_start = await pg_wal_lsn(stack) if args.pg_statements else None
    root = stack.root
    before = cpu_by_part(root)
    first = time.perf_counter()
    wall, latencies, failures = await load(bench, courses, urns, args.bookings, None)
    last_answer = time.perf_counter()
    booked = args.bookings - len(failures)
    backlog = 2 * booked + warm_mail - mail_count(maildir)
    done = await wait_for_mail(maildir, warm_mail + 2 * booked, args.mail_timeout)
    after = cpu_by_part(root)
    rate = len(latencies) / wall
    print(
        f"\nload: {args.bookings} bookings by {args.clients} clients over {args.courses} courses "
        f"in {wall:.2f}s = {rate:.1f} bookings/s; {quantiles_ms(latencies)}; "
        f"{len(failures)} failed {sorted(set(failures))[:3]}"
    )
    if done is None:
        print(f"emails: {mail_count(maildir) - warm_mail} of {2 * booked} arrived")
        return 1
    drain = done - last_answer
    print(
        f"emails: all {2 * booked} in the Maildir {done - first:.2f}s after the first "
        f"request; {backlog} still to send when the last booking was answered, sent in "
        f"{drain:.2f}s; notifications overall {booked / (done - first):.1f} bookings/s"
        + (f", catching up at {backlog / 2 / drain:.1f} bookings/s" if backlog else "")
    )
    print("\nCPU ms per booking, first request to last email:")
    total = 0.0
    for part in PARTS:
        ms = (after[part] - before[part]) * 1000 / args.bookings
        total += ms
        print(f"  {part:<14} {ms:7.2f}")
    print(f"  {'whole stack':<14} {total:7.2f}")
    pg_after = await pg_counters(stack)
    print("\nPostgreSQL per booking:", pg_delta(pg_before, pg_after, args.bookings))
    if args.pg_statements:
        await pg_statements(stack, top=args.pg_statements, per=args.bookings)
        await pg_wal_by_relation(stack, wal_start, await pg_wal_lsn(stack), per=args.bookings)
        print_maintenance(maintenance_before, await pg_maintenance(stack))

    half = args.half_rate or max(1.0, rate / 2)
    paced = args.half_bookings or min(args.bookings, int(half * 5) + 1)
    await wait_for_mail(maildir, mail_count(maildir), 0)
    paused = pause_after_the_booking(stack) if args.half_alone else []
    profilers = start_profilers(stack, args.profile_half) if args.profile_half else []
    half_before, own_before = cpu_by_backend(stack.root), own_cpu()
    try:
        wall, latencies, failures = await load(bench, courses, urns, paced, half)
    finally:
        for process in paused:
            process.resume()
    half_after, own_after = cpu_by_backend(stack.root), own_cpu()
    for profiler in profilers:
        profiler.send_signal(signal.SIGINT)
        profiler.wait(60)
    alone = " with the work after the booking paused" if paused else ""
    print(
        f"\nat half that rate ({half:.0f}/s){alone}: {paced} bookings in {wall:.2f}s; "
        f"{quantiles_ms(latencies)}; {len(failures)} failed"
    )
    used = {k: (half_after.get(k, 0) - v) / wall for k, v in half_before.items()}
    used["bench client"] = (own_after - own_before) / wall
    shown = ", ".join(f"{k} {v:.2f}" for k, v in used.items() if v >= 0.005)
    print(f"  cores used meanwhile: {shown}; total {sum(used.values()):.2f}")
    if args.timeline:
        print_timeline(bench.timeline)

    return 0


async def measure(stack: Stack, args: argparse.Namespace) -> int:
    secret = stack.env["JWT_SECRET"]
    settings = Settings(JWT_SECRET=secret, ALLIANCE_VAR_DIR=str(stack.var_dir))
    bench_args = argparse.Namespace(
        url=stack.url("bookings"), clients=args.clients, crowd=args.crowd, places=args.places
    )
    bench = Bench(bench_args, settings)
    maildir = stack.var_dir / "mail"
    admin = bench.token("alliance_admin", email="bench-admin@bench.example.org")
    urns = await bench.setup_schools(admin, args.schools)
    capacity = args.bookings // args.courses + 10
    courses = [
        await bench.setup_course(admin, capacity, f"Bench course {i}") for i in range(args.courses)
    ]
    await load(bench, courses, urns, 20, None)  # warm the connections and caches
    warm_mail = 2 * 20
    if await wait_for_mail(maildir, warm_mail, 60) is None:
        print(f"warm-up: only {mail_count(maildir)} of {warm_mail} emails arrived")
        return 1

    if args.bookings and await measure_load(stack, args, bench, courses, urns, warm_mail):
        return 1

    ok = await bench.flash_crowd(admin, urns) if args.crowd else True
    await bench.close()
    return 0 if ok else 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bookings", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--courses", type=int, default=20)
    parser.add_argument("--schools", type=int, default=20)
    parser.add_argument("--crowd", type=int, default=5000)
    parser.add_argument("--places", type=int, default=30)
    parser.add_argument("--mail-timeout", type=float, default=300.0)
    parser.add_argument(
        "--half-alone",
        action="store_true",
        help="pause notifications, finance and the SMTP server during the half-rate run",
    )
    parser.add_argument("--half-rate", type=float, help="the paced run at this rate instead")
    parser.add_argument("--half-bookings", type=int, help="bookings in the paced run")
    parser.add_argument("--profile-half", help="py-spy the parts named during the half-rate run")
    parser.add_argument(
        "--timeline", action="store_true", help="print the half-rate latencies by when sent"
    )
    parser.add_argument("--profile", help="py-spy record the parts named (comma-separated)")
    parser.add_argument(
        "--pg-statements",
        type=int,
        default=0,
        metavar="N",
        help="load pg_stat_statements and print the top N statements of the measured load",
    )
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    print(f"stack bench on {os.cpu_count()} cores; load average now {os.getloadavg()[0]:.2f}")
    with reachable_tmp() as tmp:
        var_dir = tmp / "var"
        env = isolated_env(
            var_dir, ALLIANCE_DEMO_DATA="false", JWT_SECRET=f"bench-{free_port()}-" + "x" * 40
        )
        output = tmp / "up.out"
        if args.pg_statements:
            preload_pg_stat_statements(var_dir, int(env["ALLIANCE_POSTGRES_PORT"]))
        started = time.perf_counter()
        with output.open("wb") as sink:
            process = subprocess.Popen(
                [sys.executable, "-m", "shared.cli", "up"], env=env, stdout=sink, stderr=sink
            )
        stack = Stack(process, env, var_dir)
        code = 1
        try:
            ready = start_to_ready(stack)
            wait_for_line(process, output, r"Ctrl-C stops")
            print(f"alliance up ready in {time.perf_counter() - started:.1f}s")
            print("start to ready (cold):", fmt(ready, "s"))
            print("idle RSS MB:", fmt(rss_mb(stack), ""))
            profilers = start_profilers(stack, args.profile) if args.profile else []
            code = asyncio.run(measure(stack, args))
            for profiler in profilers:
                profiler.send_signal(signal.SIGINT)
                profiler.wait(60)
            print("RSS MB after the run:", fmt(rss_mb(stack), ""))
            # last: a killed consumer's partitions can stay with it for a while (Tansu)
            print("start to ready (warm restart):", fmt(restart_times(stack), "s"))
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(60)
            except subprocess.TimeoutExpired:
                process.kill()
    raise SystemExit(code)


def start_profilers(stack: Stack, parts: str) -> list[subprocess.Popen[bytes]]:
    """py-spy on each named part; collapsed stacks in bench/profiles (bench/top_frames.py)."""
    out = ROOT / "bench" / "profiles"
    out.mkdir(exist_ok=True)
    wanted = parts.split(",")
    found = [p for p in stack.root.children(recursive=True) if part_of(p) in wanted]
    spy = str(Path(sys.executable).parent / "py-spy")
    profilers = []
    for p in found:
        output = out / f"{part_of(p)}.txt"
        argv = [spy, "record", "--pid", str(p.pid), "--rate", "200", "--format", "raw"]
        argv += ["--output", str(output), "--nonblocking"]
        quiet = subprocess.DEVNULL
        profilers.append(subprocess.Popen(argv, stdout=quiet, stderr=quiet))
    return profilers


async def pg_counters(stack: Stack) -> dict[str, float]:
    """PostgreSQL's cumulative counters: WAL written, and per database sessions started,
    transactions committed and rolled back."""
    import asyncpg

    dsn = f"postgresql://postgres@127.0.0.1:{stack.env['ALLIANCE_POSTGRES_PORT']}/postgres"
    conn = await asyncpg.connect(dsn)
    try:
        wal = await conn.fetchrow("SELECT wal_records, wal_fpi, wal_bytes FROM pg_stat_wal")
        rows = await conn.fetch(
            "SELECT datname, sessions, xact_commit, xact_rollback FROM pg_stat_database"
            " WHERE datname LIKE 'alliance_%'"
        )
    finally:
        await conn.close()
    counters = {k: float(v) for k, v in wal.items()}
    for r in rows:
        name = r["datname"].removeprefix("alliance_")
        for k in ("sessions", "xact_commit", "xact_rollback"):
            counters[f"{name}.{k}"] = float(r[k])
    return counters


def pg_delta(before: dict[str, float], after: dict[str, float], per: int) -> str:
    d = {k: (after[k] - before.get(k, 0.0)) / per for k in after}
    parts = [
        f"WAL {d['wal_bytes'] / 1024:.1f} kB in {d['wal_records']:.1f} records"
        f" ({d['wal_fpi']:.2f} full pages)"
    ]
    for name in SERVICES:
        if f"{name}.sessions" in d:
            parts.append(
                f"{name}: {d[f'{name}.xact_commit']:.2f} commits,"
                f" {d[f'{name}.xact_rollback']:.3f} rollbacks,"
                f" {d[f'{name}.sessions'] * 1000:.1f} new sessions per 1,000"
            )
    return "; ".join(parts)


def preload_pg_stat_statements(var_dir: Path, port: int) -> None:
    """The data directory made before ``alliance up`` starts, with pg_stat_statements loaded."""
    from devstack.postgres import EmbeddedPostgres

    server = EmbeddedPostgres(var_dir / "postgres", port)
    server._prepare_dirs()
    server._initdb()
    with (server.data_dir / "postgresql.conf").open("a") as conf:
        conf.write("shared_preload_libraries = 'pg_stat_statements'\n")
        conf.write("pg_stat_statements.max = 10000\npg_stat_statements.track_planning = on\n")


async def pg_statements(stack: Stack, *, reset: bool = False, top: int = 0, per: int = 1) -> None:
    """Reset pg_stat_statements, or print its top statements by total time (all databases)."""
    import asyncpg

    dsn = f"postgresql://postgres@127.0.0.1:{stack.env['ALLIANCE_POSTGRES_PORT']}/postgres"
    conn = await asyncpg.connect(dsn)
    try:
        if reset:
            await conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
            await conn.execute("SELECT pg_stat_statements_reset()")
            return
        rows = await conn.fetch(
            """
            SELECT d.datname, s.calls, s.plans, s.total_exec_time, s.total_plan_time, s.rows,
                   s.wal_records, s.wal_bytes,
                   s.shared_blks_hit + s.shared_blks_read AS blocks, s.query
              FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
             ORDER BY s.total_exec_time + s.total_plan_time DESC LIMIT $1
            """,
            top,
        )
        everything, jitted = await conn.fetchrow(
            "SELECT sum(total_exec_time + total_plan_time), sum(jit_functions)"
            " FROM pg_stat_statements"
        )
        by_database = await conn.fetch(
            "SELECT d.datname, sum(s.calls) AS calls FROM pg_stat_statements s"
            " JOIN pg_database d ON d.oid = s.dbid"
            " WHERE d.datname LIKE 'alliance_%' GROUP BY 1 ORDER BY 1"
        )
    finally:
        await conn.close()
    print(
        f"\nPostgreSQL statements, {everything / per:.3f} ms per booking in all (exec + plan);"
        f" {jitted} functions JIT-compiled:"
    )
    calls = ", ".join(
        f"{r['datname'].removeprefix('alliance_')} {r['calls'] / per:.2f}" for r in by_database
    )
    print(f"  statements per booking (BEGIN and COMMIT included): {calls}")
    print(
        "  database        calls   ms/booking  mean µs  blocks/call  rows/call"
        "  WAL rec/call  bytes/call  plans  µs/plan  statement"
    )
    for r in rows:
        calls = max(r["calls"], 1)  # a statement only planned so far has none
        spent = r["total_exec_time"] + r["total_plan_time"]
        query = " ".join(r["query"].split())[:110]
        print(
            f"  {r['datname'].removeprefix('alliance_'):<14} {r['calls']:6d} {spent / per:10.3f}"
            f" {1000 * spent / calls:8.1f} {r['blocks'] / calls:11.1f}"
            f" {r['rows'] / calls:9.1f} {r['wal_records'] / calls:13.1f}"
            f" {r['wal_bytes'] / calls:11.0f}  {r['plans']:5d}"
            f" {1000 * r['total_plan_time'] / max(r['plans'], 1):8.1f}  {query}"
        )


async def pg_wal_lsn(stack: Stack) -> int:
    import asyncpg

    dsn = f"postgresql://postgres@127.0.0.1:{stack.env['ALLIANCE_POSTGRES_PORT']}/postgres"
    conn = await asyncpg.connect(dsn)
    try:
        return int(await conn.fetchval("SELECT pg_current_wal_lsn()"))
    finally:
        await conn.close()


async def pg_wal_by_relation(stack: Stack, start: int, end: int, *, per: int) -> None:
    """The WAL written between ``start`` and ``end`` by relation (table or index) and record
    type (pg_walinspect): a B-tree INSERT_LEAF is one index entry written."""
    import asyncpg

    port = stack.env["ALLIANCE_POSTGRES_PORT"]
    conn = await asyncpg.connect(f"postgresql://postgres@127.0.0.1:{port}/postgres")
    try:
        await conn.execute("CREATE EXTENSION IF NOT EXISTS pg_walinspect")
        rows = await conn.fetch(
            """
            SELECT d.datname, b.relfilenode, b.resource_manager || '/' || b.record_type AS kind,
                   count(*) AS blocks,
                   sum(CASE WHEN b.block_id = 0 THEN b.record_length ELSE 0 END) AS bytes
              FROM pg_get_wal_block_info($1::pg_lsn, $2::pg_lsn) b
              LEFT JOIN pg_database d ON d.oid = b.reldatabase
             GROUP BY 1, 2, 3
            """,
            start,
            end,
        )
    finally:
        await conn.close()
    names: dict[tuple[str, int], str] = {}
    for datname in {r["datname"] for r in rows if r["datname"]}:
        db = await asyncpg.connect(f"postgresql://postgres@127.0.0.1:{port}/{datname}")
        try:
            for r in await db.fetch(
                "SELECT relfilenode, relname FROM pg_class WHERE relfilenode = ANY($1::oid[])",
                [r["relfilenode"] for r in rows if r["datname"] == datname],
            ):
                names[(datname, r["relfilenode"])] = r["relname"]
        finally:
            await db.close()
    by_relation: dict[str, dict[str, float]] = {}
    for r in rows:
        db = (r["datname"] or "shared").removeprefix("alliance_")
        relation = f"{db}.{names.get((r['datname'], r['relfilenode']), r['relfilenode'])}"
        kinds = by_relation.setdefault(relation, {"bytes": 0.0})
        kinds[r["kind"]] = kinds.get(r["kind"], 0.0) + r["blocks"] / per
        kinds["bytes"] += r["bytes"] / per
    print("\nWAL per booking by relation (block references by record type; bytes):")
    ranked = sorted(by_relation.items(), key=lambda kv: -kv[1]["bytes"])
    for relation, kinds in ranked[:40]:
        bytes_ = kinds.pop("bytes")
        if bytes_ < 1 and sum(kinds.values()) < 0.05:
            continue
        detail = ", ".join(f"{k} {v:.2f}" for k, v in sorted(kinds.items(), key=lambda kv: -kv[1]))
        print(f"  {relation:<52} {bytes_:7.0f} B  {detail}")
    entries = sum(
        v
        for kinds in by_relation.values()
        for k, v in kinds.items()
        if k.startswith("Btree/INSERT")
    )
    print(f"  B-tree entries written per booking (INSERT_LEAF/UPPER/POST): {entries:.2f}")


async def pg_maintenance(stack: Stack) -> dict[str, tuple[float, ...]]:
    """Per table of every service's database: autovacuum and autoanalyze runs and their ms."""
    import asyncpg

    port = stack.env["ALLIANCE_POSTGRES_PORT"]
    found: dict[str, tuple[float, ...]] = {}
    for service in SERVICES:
        conn = await asyncpg.connect(f"postgresql://postgres@127.0.0.1:{port}/alliance_{service}")
        try:
            for r in await conn.fetch(
                "SELECT relname, autovacuum_count, total_autovacuum_time, autoanalyze_count,"
                " total_autoanalyze_time FROM pg_stat_user_tables"
            ):
                found[f"{service}.{r['relname']}"] = tuple(float(v) for v in list(r.values())[1:])
        finally:
            await conn.close()
    return found


def print_maintenance(
    before: dict[str, tuple[float, ...]], after: dict[str, tuple[float, ...]]
) -> None:
    zero = (0.0, 0.0, 0.0, 0.0)
    runs = {
        table: tuple(a - b for a, b in zip(values, before.get(table, zero), strict=True))
        for table, values in after.items()
    }
    busy = sorted((t for t, d in runs.items() if d[0] or d[2]), key=lambda t: -runs[t][1])
    print("\nautovacuum / autoanalyze meanwhile (runs, ms):")
    for table in busy:
        vacuums, vacuum_ms, analyzes, analyze_ms = runs[table]
        print(f"  {table:<40} {vacuums:3.0f} {vacuum_ms:8.1f}   {analyzes:3.0f} {analyze_ms:8.1f}")
    total = sum(d[1] + d[3] for d in runs.values())
    print(f"  in all {total:.0f} ms")


def fmt(values: dict[str, float], unit: str) -> str:
    return ", ".join(f"{k} {v:.1f}{unit}" for k, v in values.items())


if __name__ == "__main__":
    main()
