"""``alliance up`` and ``alliance token``: the dev stack's commands (``shared.cli`` lists them)."""

import logging
import signal
import sys
import time
from typing import Annotated

import typer

from devstack.errors import StartupError
from devstack.local import LocalStack, jwt_secret
from devstack.settings import StackSettings
from devstack.supervisor import Supervisor
from shared.identity import Role
from shared.settings import ConfigurationError, Settings

POLL_S = 0.25

app = typer.Typer(help="The Alliance dev stack.", add_completion=False)


def _fail(message: str) -> None:
    typer.echo(f"alliance: {message}", err=True)
    raise typer.Exit(1)


def _say(message: str) -> None:
    typer.echo(f"alliance: {message}", err=True)


@app.command()
def up() -> None:
    """Start PostgreSQL, Kafka, SMTP (unless configured) and the three services; Ctrl-C stops.

    A service that exits is started again (with backoff); PostgreSQL, the broker or the SMTP
    server exiting stops everything.
    """
    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)
    started = time.monotonic()
    stack = LocalStack.from_environment(StackSettings())

    def ignore_signals() -> None:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)

    def on_signal(signum: int, _frame: object) -> None:
        ignore_signals()  # a second Ctrl-C must not cut the clean stop short
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        stack.start()
    except (StartupError, ConfigurationError) as exc:
        _fail(str(exc))
    except KeyboardInterrupt:
        stack.stop()
        raise typer.Exit(130) from None
    _print_table(stack, time.monotonic() - started)
    supervisor = Supervisor(stack.services, _say)
    code = 0
    try:
        while (problem := stack.dead_part()) is None:
            supervisor.check()
            time.sleep(POLL_S)
        _say(f"{problem}. Stopping everything.")
        code = 1
    except KeyboardInterrupt:
        pass
    ignore_signals()
    typer.echo("alliance: stopping…")
    stack.stop()
    typer.echo("alliance: stopped")
    raise typer.Exit(code)


def _print_table(stack: LocalStack, seconds: float) -> None:
    rows = stack.rows
    width = max(len(r.part) for r in rows)
    where_width = max(len(r.where) for r in rows)
    typer.echo(f"\nAlliance is up (ready in {seconds:.1f}s):\n")
    typer.echo(f"  {'part'.ljust(width)}  {'where'.ljust(where_width)}  notes")
    for row in rows:
        typer.echo(f"  {row.part.ljust(width)}  {row.where.ljust(where_width)}  {row.how}")
    _print_people(stack)
    typer.echo(
        "\n  Catalogue: /courses on bookings; support form: /support-requests/new on brokerage;"
        "\n  tokens:    alliance token --role alliance_admin --alliance odyssey-tsa"
        "\n  A service that exits is restarted; Ctrl-C stops everything.\n"
    )
    sys.stdout.flush()


def _print_people(stack: LocalStack) -> None:
    if stack.oidc is None:
        return
    bookings = stack.configs["bookings"].service_url()
    typer.echo(f"\n  Sign in at {bookings}/ as one of the demo people:")
    width = max(len(p.email) for p in stack.oidc.people)
    for person in stack.oidc.people:
        typer.echo(f"    {person.email.ljust(width)}  {person.name}, {person.role}")


@app.command()
def token(
    role: Annotated[
        str, typer.Option(help="alliance_admin, coordinator, school_lead, participant or sle")
    ],
    alliance: Annotated[str, typer.Option(help="the alliance (tenant) id")],
    school: Annotated[str | None, typer.Option(help="the school's 6-digit URN")] = None,
    sub: Annotated[str | None, typer.Option(help="the subject (user id)")] = None,
    email: Annotated[str | None, typer.Option(help="the user's email")] = None,
    hours: Annotated[int, typer.Option(help="hours until it expires")] = 8,
) -> None:
    """Print a signed bearer token for local use."""
    from shared.web.auth import issue_token

    if role not in Role._value2member_map_:
        _fail(f"unknown role {role!r}: use one of {', '.join(r.value for r in Role)}")
    settings = Settings()
    secret = (
        settings.jwt_secret.get_secret_value()
        if settings.jwt_secret
        else jwt_secret(settings.var_dir.resolve())
    )
    typer.echo(
        issue_token(
            secret,
            role=role,
            alliance_id=alliance,
            subject=sub or f"{role}@{alliance}",
            school_urn=school,
            email=email,
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
            ttl_s=hours * 3600,
        )
    )


if __name__ == "__main__":
    app()
