"""Benchmark: from a booking's HTTP 201 to its confirmation email in the Maildir, under load.

Run against a running system (``alliance up``, or ``make run``):

    .venv/bin/python bench/notifications.py --bookings 200 --concurrency 20

It creates a school and a course through the bookings API with development tokens (signed with
JWT_SECRET, or the secret ``alliance up`` keeps in var/jwt-secret), books N places concurrently,
and for each booking measures the time from the 201 response to the participant's email landing
in the Maildir (the file's modification time, written by the SMTP server on receipt). It prints
p50/p95/p99 and the worst case.
"""

import argparse
import asyncio
import email
import os
import secrets
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from email.policy import default as default_policy
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from shared.web.auth import issue_token  # noqa: E402


def secret(var_dir: Path) -> str:
    if os.environ.get("JWT_SECRET"):
        return os.environ["JWT_SECRET"]
    path = var_dir / "jwt-secret"
    if not path.exists():
        raise SystemExit(f"no JWT_SECRET and no {path}: is `alliance up` running?")
    return path.read_text().strip()


def auth(key: str, role: str, alliance: str, **claims: str) -> dict[str, str]:
    token = issue_token(key, role=role, alliance_id=alliance, subject=f"bench-{role}", **claims)
    return {"Authorization": f"Bearer {token}"}


def course_body(title: str, capacity: int) -> dict:
    start = (datetime.now(UTC) + timedelta(days=45)).replace(hour=9, minute=0, second=0)
    return {
        "title": title,
        "summary": "Benchmark course",
        "strand": "cpd",
        "phases": ["primary"],
        "sessions": [
            {
                "starts_at": start.isoformat(),
                "ends_at": (start + timedelta(hours=6)).isoformat(),
                "venue": "Benchmark Hall, Gloucester",
            }
        ],
        "capacity": capacity,
        "booking_closes_at": (start - timedelta(days=3)).isoformat(),
        "member_price_pence": 4500,
        "non_member_price_pence": 6000,
    }


async def setup(http: httpx.AsyncClient, key: str, alliance: str, n: int, run: str):
    admin = auth(key, "alliance_admin", alliance, email="bench-admin@alliance.example.org")
    urn = f"{900000 + secrets.randbelow(99999):06d}"
    lead_email = f"bench-lead-{run}@school.example.org"
    school = {
        "name": f"Benchmark School {run}",
        "cpd_lead_name": "Bench Lead",
        "cpd_lead_email": lead_email,
        "requires_approval": False,
    }
    for method, path, body in (
        ("PUT", f"/schools/{urn}", school),
        ("PUT", f"/alliances/{alliance}/members/{urn}", None),
    ):
        response = await http.request(method, path, json=body, headers=admin)
        response.raise_for_status()
    created = await http.post("/courses", json=course_body(f"Bench {run}", n), headers=admin)
    created.raise_for_status()
    course_id = created.json()["id"]
    (await http.post(f"/courses/{course_id}/publish", headers=admin)).raise_for_status()
    lead = auth(key, "school_lead", alliance, school_urn=urn, email=lead_email)
    return course_id, urn, lead


async def book_all(http, course_id, urn, lead, n, concurrency, run) -> dict[str, float]:
    gate = asyncio.Semaphore(concurrency)
    answered: dict[str, float] = {}

    async def book(i: int) -> None:
        address = f"bench-{run}-{i}@school.example.org"
        body = {"school_urn": urn, "participant": {"name": f"Participant {i}", "email": address}}
        async with gate:
            response = await http.post(
                f"/courses/{course_id}/bookings",
                json=body,
                headers={**lead, "Idempotency-Key": f"{run}-{i}"},
            )
        if response.status_code != 201:
            raise SystemExit(f"booking {i}: {response.status_code} {response.text[:300]}")
        answered[address] = time.time()

    await asyncio.gather(*(book(i) for i in range(n)))
    return answered


def arrivals(
    maildir: Path, run: str, files: set[str], seen: dict[str, float], since: float
) -> None:
    """Record when each benchmark participant's email arrived (the file's mtime)."""
    for sub in ("new", "cur"):
        folder = maildir / sub
        for path in folder.iterdir() if folder.is_dir() else ():
            try:
                stat = path.stat()
                if stat.st_mtime < since - 1 or path.name in files:
                    continue
                with path.open("rb") as handle:
                    head = email.message_from_binary_file(handle, policy=default_policy)
            except FileNotFoundError:
                continue
            files.add(path.name)
            to = str(head["To"] or "").lower()
            if f"bench-{run}-" in to:
                address = to[to.index(f"bench-{run}-") :].split(">")[0].strip()
                seen[address] = stat.st_mtime


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8001", help="the bookings service")
    parser.add_argument("--maildir", type=Path, default=ROOT / "var" / "mail")
    parser.add_argument("--var-dir", type=Path, default=ROOT / "var")
    parser.add_argument("--alliance", default="odyssey-tsa")
    parser.add_argument("--bookings", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--timeout", type=float, default=120.0)
    args = parser.parse_args()

    key, run = secret(args.var_dir), secrets.token_hex(3)
    started = time.time()
    async with httpx.AsyncClient(base_url=args.url, timeout=30) as http:
        course_id, urn, lead = await setup(http, key, args.alliance, args.bookings, run)
        t0 = time.monotonic()
        answered = await book_all(http, course_id, urn, lead, args.bookings, args.concurrency, run)
        booking_s = time.monotonic() - t0

    seen: dict[str, float] = {}
    files: set[str] = set()
    deadline = time.monotonic() + args.timeout
    while time.monotonic() < deadline:
        arrivals(args.maildir, run, files, seen, started)
        if all(address in seen for address in answered):
            break
        await asyncio.sleep(0.05)
    missing = [a for a in answered if a not in seen]
    latencies = [(seen[a] - t) * 1000 for a, t in answered.items() if a in seen]
    print(
        f"bookings: {len(answered)} in {booking_s:.1f}s ({len(answered) / booking_s:.0f}/s, "
        f"concurrency {args.concurrency})"
    )
    if latencies:
        print(
            f"201 -> participant email in Maildir (ms): p50 {percentile(latencies, 50):.0f}, "
            f"p95 {percentile(latencies, 95):.0f}, p99 {percentile(latencies, 99):.0f}, "
            f"max {max(latencies):.0f}, mean {statistics.mean(latencies):.0f}"
        )
    if missing:
        print(f"{len(missing)} emails did not arrive within {args.timeout:g}s")
        raise SystemExit(1)


if __name__ == "__main__":
    asyncio.run(main())
