"""Benchmark of the bookings HTTP API (run by hand against a running stack, not a test).

    alliance up                       # in another terminal
    .venv/bin/python bench/bookings.py --clients 50 --courses 20 --bookings 2000

Drives ``POST /courses/{id}/bookings`` with N concurrent clients spread over many courses and
prints bookings per second and p50/p95/p99 latency, then runs a flash crowd (200 concurrent
requests on one course with 20 places) and checks the outcome: exactly 20 confirmed and the
rest waitlisted at positions 1..180. Tokens are signed with the local JWT secret (JWT_SECRET, or
the one `alliance up` keeps in ``var/jwt-secret``).
"""

import argparse
import asyncio
import os
import random
import statistics
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import aiohttp
import httpx

from services.bookings.config import BookingsSettings
from shared.settings import Settings
from shared.web.auth import issue_token

IN_FLIGHT = 200


def signing_secret(settings: Settings) -> str:
    if settings.jwt_secret:
        return settings.jwt_secret.get_secret_value()
    path = settings.var_dir / "jwt-secret"
    if not path.exists():
        raise SystemExit(f"no JWT_SECRET and no {path}: is the stack running (alliance up)?")
    return path.read_text().strip()


class Bench:
    def __init__(self, args: argparse.Namespace, settings: Settings) -> None:
        self.args = args
        self.settings = settings
        self.secret = signing_secret(settings)
        self.alliance = f"bench-{uuid4().hex[:6]}"
        self.client = httpx.AsyncClient(
            base_url=args.url,
            timeout=60,
            limits=httpx.Limits(max_connections=args.clients + 250, max_keepalive_connections=300),
        )
        # The bookings themselves go through aiohttp: httpx's pool took a third of the machine's
        # CPU at 200 requests in flight, stolen from the stack under test.
        self.load: aiohttp.ClientSession | None = None
        self.timeline: list[tuple[float, float]] = []
        """The last load's requests: (sent, seconds after the load began; latency)."""

    async def close(self) -> None:
        await self.client.aclose()
        if self.load is not None:
            await self.load.close()

    def _load(self) -> aiohttp.ClientSession:
        if self.load is None:
            self.load = aiohttp.ClientSession(
                base_url=self.args.url,
                connector=aiohttp.TCPConnector(limit=self.args.clients + 250),
                timeout=aiohttp.ClientTimeout(total=60),
            )
        return self.load

    def token(self, role: str, **claims: Any) -> dict[str, str]:
        token = issue_token(
            self.secret,
            role=role,
            alliance_id=self.alliance,
            subject=claims.pop("subject", f"{role}-{uuid4().hex[:8]}"),
            issuer=self.settings.jwt_issuer,
            audience=self.settings.jwt_audience,
            **claims,
        )
        return {"Authorization": f"Bearer {token}"}

    async def setup_course(self, admin: dict[str, str], capacity: int, title: str) -> str:
        start = datetime.now(UTC) + timedelta(days=random.randint(30, 90))
        body = {
            "title": title,
            "strand": random.choice(["cpd", "send", "research", "early_career"]),
            "phases": ["primary"],
            "sessions": [
                {
                    "starts_at": start.isoformat(),
                    "ends_at": (start + timedelta(hours=3)).isoformat(),
                    "venue": "Bench Hall",
                }
            ],
            "capacity": capacity,
            "booking_closes_at": (start - timedelta(days=2)).isoformat(),
            "member_price_pence": 5_000,
            "non_member_price_pence": 7_500,
        }
        created = await self.client.post("/courses", json=body, headers=admin)
        created.raise_for_status()
        course_id = created.json()["id"]
        (await self.client.post(f"/courses/{course_id}/publish", headers=admin)).raise_for_status()
        return course_id

    async def setup_schools(self, admin: dict[str, str], count: int) -> list[str]:
        urns = []
        base = random.randint(500_000, 900_000)
        for i in range(count):
            urn = f"{base + i:06d}"
            school = {
                "name": f"Bench School {urn}",
                "cpd_lead_name": "Bench Lead",
                "cpd_lead_email": f"lead@{urn}.bench.example.org",
            }
            (
                await self.client.put(f"/schools/{urn}", json=school, headers=admin)
            ).raise_for_status()
            if i % 2 == 0:
                member = await self.client.put(
                    f"/alliances/{self.alliance}/members/{urn}", headers=admin
                )
                member.raise_for_status()
            urns.append(urn)
        return urns

    def lead(self, urn: str) -> dict[str, str]:
        return self.token(
            "school_lead",
            school_urn=urn,
            email=f"lead@{urn}.bench.example.org",
            subject=f"lead-{urn}",
        )

    async def book(self, course_id: str, urn: str, headers: dict[str, str]) -> tuple[float, Any]:
        body = {
            "school_urn": urn,
            "participant": {"name": "Bench Person", "email": f"p-{uuid4().hex}@bench.example.org"},
        }
        headers = {**headers, "Idempotency-Key": uuid4().hex}
        started = time.perf_counter()
        for attempt in range(3):  # a kept-alive connection the server just closed: safe to retry
            try:
                async with self._load().post(
                    f"/courses/{course_id}/bookings", json=body, headers=headers
                ) as response:
                    status = response.status
                    answer = await response.json() if status == 201 else None
                break
            except aiohttp.ClientConnectionError as exc:
                if attempt == 2:
                    return time.perf_counter() - started, type(exc).__name__
        elapsed = time.perf_counter() - started
        if status != 201:
            return elapsed, f"HTTP {status}"
        return elapsed, answer

    async def throughput(self, courses: list[str], urns: list[str]) -> None:
        leads = {urn: self.lead(urn) for urn in urns}
        remaining = self.args.bookings
        latencies: list[float] = []
        outcomes: Counter[str] = Counter()

        async def client() -> None:
            nonlocal remaining
            while remaining > 0:
                remaining -= 1
                urn = random.choice(urns)
                elapsed, answer = await self.book(random.choice(courses), urn, leads[urn])
                latencies.append(elapsed)
                outcomes[answer if isinstance(answer, str) else answer["status"]] += 1

        started = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(self.args.clients)))
        wall = time.perf_counter() - started
        quantiles = statistics.quantiles(latencies, n=100)
        print(
            f"throughput: {len(latencies)} bookings by {self.args.clients} clients over "
            f"{len(courses)} courses in {wall:.2f}s = {len(latencies) / wall:.1f} bookings/s"
        )
        print(
            f"latency ms: p50 {quantiles[49] * 1000:.1f}  p95 {quantiles[94] * 1000:.1f}  "
            f"p99 {quantiles[98] * 1000:.1f}  max {max(latencies) * 1000:.1f}"
        )
        print(f"outcomes: {dict(outcomes)}")

    async def flash_crowd(self, admin: dict[str, str], urns: list[str]) -> bool:
        crowd, places = self.args.crowd, self.args.places
        course_id = await self.setup_course(admin, places, "Flash crowd")
        leads = {urn: self.lead(urn) for urn in urns}
        # All attempts at once; at most IN_FLIGHT on the wire, the rest wait here (httpx's own
        # queue of waiting requests costs the client quadratic CPU, stolen from the stack).
        gate = asyncio.Semaphore(IN_FLIGHT)

        async def attempt(i: int) -> tuple[float, Any]:
            urn = urns[i % len(urns)]
            async with gate:
                return await self.book(course_id, urn, leads[urn])

        started, client_cpu = time.perf_counter(), time.process_time()
        answers = await asyncio.gather(*(attempt(i) for i in range(crowd)))
        wall = time.perf_counter() - started
        client_cpu = time.process_time() - client_cpu
        results = [a for _, a in answers]
        confirmed = sum(1 for r in results if isinstance(r, dict) and r["status"] == "confirmed")
        waiting = sorted(
            r["waitlist_position"]
            for r in results
            if isinstance(r, dict) and r["status"] == "waitlisted"
        )
        errors = [r for r in results if isinstance(r, str)]
        course = (await self.client.get(f"/courses/{course_id}")).json()
        ok = (
            confirmed == places
            and waiting == list(range(1, crowd - places + 1))
            and not errors
            and course["places_left"] == 0
        )
        print(
            f"flash crowd: {crowd} concurrent requests on {places} places in {wall:.2f}s: "
            f"{confirmed} confirmed, {len(waiting)} waitlisted (positions "
            f"{waiting[0] if waiting else '-'}..{waiting[-1] if waiting else '-'}), "
            f"{len(errors)} errors {dict(Counter(errors))}, places left {course['places_left']}: "
            f"{'OK' if ok else 'FAILED'}; this client's own CPU meanwhile {client_cpu:.2f}s"
        )
        return ok

    async def run(self) -> int:
        admin = self.token("alliance_admin", email="bench-admin@bench.example.org")
        print(f"bookings bench against {self.args.url} ({os.cpu_count()} cores on this machine)")
        urns = await self.setup_schools(admin, self.args.schools)
        courses = [
            await self.setup_course(admin, self.args.capacity, f"Bench course {i}")
            for i in range(self.args.courses)
        ]
        await self.throughput(courses, urns)
        ok = await self.flash_crowd(admin, urns)
        await self.close()
        return 0 if ok else 1


def main() -> None:
    settings = BookingsSettings()
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", default=f"http://127.0.0.1:{settings.port}")
    parser.add_argument("--clients", type=int, default=50, help="concurrent clients")
    parser.add_argument("--courses", type=int, default=20)
    parser.add_argument("--capacity", type=int, default=60, help="places per course")
    parser.add_argument("--schools", type=int, default=20)
    parser.add_argument("--bookings", type=int, default=2000, help="bookings in total")
    parser.add_argument("--crowd", type=int, default=200)
    parser.add_argument("--places", type=int, default=20)
    args = parser.parse_args()
    raise SystemExit(asyncio.run(Bench(args, settings).run()))


if __name__ == "__main__":
    main()
