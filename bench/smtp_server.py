"""Benchmark of the local SMTP server (``devstack.smtp_server``): its CPU per message, alone.

    .venv/bin/python bench/smtp_server.py                # 2,000 messages, 1 and 4 connections
    .venv/bin/python bench/smtp_server.py --root /tmp/b  # the server of another tree (A/B)
    .venv/bin/python bench/smtp_server.py --profile      # py-spy: bench/profiles/smtp-alone.txt

Starts the server in a temporary Maildir and sends it notification-shaped messages (the
notifications service's own ``mime.build``: multipart/alternative, a text and an HTML part,
3.4 KB in 89 lines), each to another recipient, with aiosmtplib ``sendmail`` as the mailer
does: over one kept connection, then over several at once. Prints the server process's CPU
(user + system, psutil) per message, the client's (this process: aiosmtplib's work per
message, as in the mailer), the messages per second, and waits until every message is in the
Maildir. Run it by hand, repeat, and compare A/B (``--root``) one after the other: the machine
may be shared.
"""

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiosmtplib
import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from devstack import free_port, wait_for_port  # noqa: E402
from services.notifications.mail import mime  # noqa: E402

TEXT = "\n".join(
    [
        "Your place is confirmed",
        "",
        "Dear Ada Lovelace,",
        "",
        "You have a confirmed place on Leading phonics in Key Stage 1 (cohort 3).",
        "",
        "Course: Leading phonics in Key Stage 1 (cohort 3)",
        "Sessions:",
        "- Tuesday 13 January 2026, 09:00 to 15:00, Benchmark Hall, Gloucester",
        "- Tuesday 10 February 2026, 09:00 to 15:00, Benchmark Hall, Gloucester",
        "Participant: Ada Lovelace (ada.lovelace@school.example.org)",
        "School: Benchmark Primary School (URN 912345)",
        "Price: £45.00 (member)",
        "",
        "What to do next",
        "",
        "Put the session dates in the calendar. If the place is no longer needed, cancel it or",
        "send a colleague instead as early as possible: a late cancellation may be charged",
        "under the course's cancellation policy.",
        "",
        "View the booking: http://127.0.0.1:8000/places/0f8e4c2a-6d1b-4e0b-9a3c-2f7d5e8b1a4c",
        "",
        "You are getting this email because you are the participant on this booking. It was",
        "sent by the Alliance service on behalf of your teaching school alliance.",
    ]
)
HTML = "\n".join(
    [
        "<!DOCTYPE html>",
        '<html lang="en-GB">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>Booking confirmed: Leading phonics in Key Stage 1 (cohort 3)</title>",
        "</head>",
        '<body style="margin:0;padding:16px;background:#ffffff;color:#0b0c0c;'
        'font-family:Arial,Helvetica,sans-serif;font-size:16px;line-height:1.5">',
        '<main style="max-width:40em;margin:0 auto">',
        '<h1 style="font-size:24px;line-height:1.25">Your place is confirmed</h1>',
        "<p>Dear Ada Lovelace,</p>",
        "<p>You have a confirmed place on Leading phonics in Key Stage 1 (cohort 3).</p>",
        "<dl>",
        "<dt>Course</dt><dd>Leading phonics in Key Stage 1 (cohort 3)</dd>",
        "<dt>Sessions</dt><dd><ul>",
        "<li>Tuesday 13 January 2026, 09:00 to 15:00, Benchmark Hall, Gloucester</li>",
        "<li>Tuesday 10 February 2026, 09:00 to 15:00, Benchmark Hall, Gloucester</li>",
        "</ul></dd>",
        "<dt>Participant</dt><dd>Ada Lovelace (ada.lovelace@school.example.org)</dd>",
        "<dt>School</dt><dd>Benchmark Primary School (URN 912345)</dd>",
        "<dt>Price</dt><dd>£45.00 (member)</dd>",
        "</dl>",
        '<h2 style="font-size:19px">What to do next</h2>',
        "<p>Put the session dates in the calendar. If the place is no longer needed, cancel it "
        "or send a colleague instead as early as possible: a late cancellation may be charged "
        "under the course's cancellation policy.</p>",
        '<p><a href="http://127.0.0.1:8000/places/0f8e4c2a-6d1b-4e0b-9a3c-2f7d5e8b1a4c" '
        'style="color:#1d70b8;text-decoration:underline">View the booking</a></p>',
        "</main>",
        '<footer style="max-width:40em;margin:24px auto 0;font-size:14px">',
        "<p>You are getting this email because you are the participant on this booking. It "
        "was sent by the Alliance service on behalf of your teaching school alliance.</p>",
        "</footer>",
        "</body>",
        "</html>",
    ]
)
SENDER = "noreply@alliance.example.org"


def message(i: int) -> bytes:
    return mime.build(
        sender=mime.address("Alliance", SENDER),
        to_name="Ada Lovelace",
        to_email=f"ada{i}@school.example.org",
        subject="Booking confirmed: Leading phonics in Key Stage 1 (cohort 3)",
        message_id=f"<bench-{i}@alliance.example.org>",
        text=TEXT,
        html=HTML,
    )


async def send(port: int, messages: list[bytes], first: int, connections: int) -> float:
    """Send ``messages`` over ``connections`` kept connections at once; seconds taken."""
    clients = [
        aiosmtplib.SMTP(hostname="127.0.0.1", port=port, local_hostname="alliance.example.org")
        for _ in range(connections)
    ]
    for client in clients:
        await client.connect()
    queue = list(enumerate(messages, first))
    queue.reverse()

    async def worker(client: aiosmtplib.SMTP) -> None:
        while queue:
            i, content = queue.pop()
            await client.sendmail(SENDER, [f"ada{i}@school.example.org"], content)

    started = time.perf_counter()
    await asyncio.gather(*(worker(client) for client in clients))
    elapsed = time.perf_counter() - started
    for client in clients:
        await client.quit()
    return elapsed


def cpu(process: psutil.Process) -> float:
    t = process.cpu_times()
    return t.user + t.system


def count(maildir: Path) -> int:
    return sum(1 for _ in os.scandir(maildir / "new"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--connections", default="1,4", help="comma-separated: one run each")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each; the least is shown")
    parser.add_argument("--root", type=Path, default=ROOT, help="the tree whose server to run")
    parser.add_argument("--profile", action="store_true", help="py-spy record the server")
    args = parser.parse_args()
    print(f"smtp server bench ({args.root}); load average now {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory() as tmp:
        maildir = Path(tmp) / "mail"
        port = free_port()
        argv = [sys.executable, "-m", "devstack.smtp_server", "--port", str(port)]
        argv += ["--maildir", str(maildir)]
        env = dict(os.environ, PYTHONPATH=str(args.root))
        server = subprocess.Popen(argv, cwd=args.root, env=env, stdout=subprocess.DEVNULL)
        profiler = None
        try:
            wait_for_port("127.0.0.1", port, 30)
            process = psutil.Process(server.pid)
            sample = message(0)
            lines = sample.count(b"\n")
            print(f"message: {len(sample)} bytes, {lines} lines")
            asyncio.run(send(port, [message(i) for i in range(200)], 0, 1))  # warm up
            if args.profile:
                out = ROOT / "bench" / "profiles"
                out.mkdir(exist_ok=True)
                spy = str(Path(sys.executable).parent / "py-spy")
                profiler = subprocess.Popen(
                    [spy, "record", "--pid", str(server.pid), "--rate", "500", "--format", "raw",
                     "--output", str(out / "smtp-alone.txt"), "--nonblocking"],
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                )  # fmt: skip
                time.sleep(1)
            sent = 200
            for connections in [int(c) for c in args.connections.split(",")]:
                results = []
                for _ in range(args.repeat):
                    batch = [message(i) for i in range(sent, sent + args.messages)]
                    before, client = cpu(process), time.process_time()
                    elapsed = asyncio.run(send(port, batch, sent, connections))
                    client = time.process_time() - client
                    sent += args.messages
                    while count(maildir) < sent:  # the file is written before the 250
                        time.sleep(0.01)
                    server_cpu = cpu(process) - before
                    results.append((server_cpu / args.messages, client / args.messages, elapsed))
                per_message, client, elapsed = min(results)
                runs = ", ".join(f"{r * 1e6:.0f}" for r, _, _ in results)
                print(
                    f"{connections} connection(s): server {per_message * 1e6:.0f} µs CPU per "
                    f"message (runs: {runs}); client (aiosmtplib) {client * 1e6:.0f} µs; "
                    f"{args.messages / elapsed:.0f} messages/s"
                )
        finally:
            if profiler is not None:
                profiler.send_signal(signal.SIGINT)
                profiler.wait(60)
            server.send_signal(signal.SIGTERM)
            server.wait(10)


if __name__ == "__main__":
    main()
