"""``alliance status`` and ``alliance dlq list|replay``: operating commands the production image
has (they need only the settings, the broker and the services' HTTP endpoints)."""

import asyncio
from typing import Annotated

import typer

from shared.contracts.topics import CONSUMER_GROUPS, dead_letter_topic
from shared.settings import SERVICES, ConfigurationError, Settings

dlq = typer.Typer(help="A consumer group's dead letters: list them, replay them.")

GroupOption = Annotated[
    str, typer.Option(help=f"the consumer group ({', '.join(CONSUMER_GROUPS)})")
]


def _fail(message: str) -> None:
    typer.echo(f"alliance: {message}", err=True)
    raise typer.Exit(1)


def service_urls(settings: Settings, given: list[str]) -> dict[str, str]:
    """Each service's base URL: ``SERVICE_HOST`` and its port, unless ``--url name=URL``."""
    host = "127.0.0.1" if settings.service_host in ("0.0.0.0", "::") else settings.service_host
    urls = {s: f"http://{host}:{settings.service_port(s)}" for s in SERVICES}
    for item in given:
        name, sep, url = item.partition("=")
        if not sep or name not in SERVICES or not url:
            _fail(f"--url {item!r}: write SERVICE=URL with SERVICE one of {', '.join(SERVICES)}")
        urls[name] = url
    return urls


def status(
    url: Annotated[
        list[str] | None,
        typer.Option(help="SERVICE=URL where a service answers (default: SERVICE_HOST:port)"),
    ] = None,
) -> None:
    """Per service: ready, outbox backlog, consumer lag, dead letters, failed mail.

    Exits 1 when a service is not ready.
    """
    from shared.observability.status import collect, table

    settings = Settings()
    rows = asyncio.run(collect(settings, service_urls(settings, url or [])))
    typer.echo(table(rows))
    if not all(row.healthy for row in rows):
        raise typer.Exit(1)


def _read(settings: Settings, group: str):  # type: ignore[no-untyped-def]
    from shared.messaging.dead_letters import NoSuchTopic, read_dead_letters

    if group not in CONSUMER_GROUPS:
        _fail(f"unknown consumer group {group!r}: use one of {', '.join(CONSUMER_GROUPS)}")
    try:
        return asyncio.run(read_dead_letters(settings, dead_letter_topic(group)))
    except (NoSuchTopic, ConfigurationError) as exc:
        _fail(str(exc))


@dlq.command("list")
def list_(group: GroupOption = "notifications") -> None:
    """Every dead letter: position (partition:offset), event type, original place, reason."""
    records = _read(Settings(), group)
    for r in records:
        typer.echo(
            f"{r.position}  {r.header('ce_type') or '-'}  "
            f"from {r.original_topic}:{r.header('dlq_original_partition')}:"
            f"{r.header('dlq_original_offset')}  attempts={r.header('dlq_attempts')}  "
            f"{r.reason}"
        )
    typer.echo(f"{len(records)} dead letter(s) in {dead_letter_topic(group)}")


@dlq.command("replay")
def replay_(
    positions: Annotated[
        list[str] | None,
        typer.Argument(help="dead letters to replay, as PARTITION:OFFSET or OFFSET (partition 0)"),
    ] = None,
    all_: Annotated[bool, typer.Option("--all", help="replay every dead letter")] = False,
    dry_run: Annotated[bool, typer.Option(help="say what would be replayed, send nothing")] = False,
    group: GroupOption = "notifications",
) -> None:
    """Publish dead letters back to their original topic (the consumer's inbox skips any that
    were in fact applied). Fix the cause first: one that fails again comes back."""
    from shared.messaging.dead_letters import replay

    if not positions and not all_:
        _fail("name the dead letters to replay (PARTITION:OFFSET …) or give --all")
    settings = Settings()
    records = _read(settings, group)
    wanted = {p if ":" in p else f"0:{p}" for p in positions or ()}
    chosen = records if all_ else [r for r in records if r.position in wanted]
    missing = wanted - {r.position for r in records}
    if missing:
        _fail(f"no dead letter at {', '.join(sorted(missing))} in {dead_letter_topic(group)}")
    for r in chosen:
        verb = "would replay" if dry_run else "replaying"
        typer.echo(f"{verb} {r.position} ({r.header('ce_type') or '-'}) to {r.original_topic}")
    if not dry_run:
        asyncio.run(replay(settings, chosen))
    typer.echo(f"{len(chosen)} dead letter(s) {'to replay' if dry_run else 'replayed'}")
