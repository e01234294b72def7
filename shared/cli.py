"""The ``alliance`` command as production has it: ``alliance migrate``, ``alliance status`` and
``alliance dlq list|replay``.

The installation may declare more commands (entry points ``alliance.commands``: the dev stack's
``up`` and ``token``). They are listed here by name and imported only when run, so that
``migrate`` never loads the dev stack or its packages.
"""

from importlib.metadata import EntryPoint, entry_points
from typing import Annotated

import typer

from shared import ops_cli
from shared.settings import SERVICES, ConfigurationError, Settings

COMMANDS_GROUP = "alliance.commands"

app = typer.Typer(
    help="Alliance: CPD bookings, SLE brokerage and notifications.", add_completion=False
)


def _fail(message: str) -> None:
    typer.echo(f"alliance: {message}", err=True)
    raise typer.Exit(1)


@app.callback()
def _group() -> None:
    """Alliance: CPD bookings, SLE brokerage and notifications."""


@app.command()
def migrate(
    services: Annotated[
        list[str] | None, typer.Argument(help="services to migrate (default: all)")
    ] = None,
) -> None:
    """Apply each service's database migrations (Alembic) to the configured databases."""
    from shared.storage.migrations import UnknownMigrations, script_location, upgrade

    settings = Settings()
    for service in services or SERVICES:
        if service not in SERVICES:
            _fail(f"unknown service {service!r}: use one of {', '.join(SERVICES)}")
        try:
            upgrade(script_location(service), settings.database_url(service))
        except (ConfigurationError, UnknownMigrations) as exc:
            _fail(str(exc))
        typer.echo(f"{service}: migrated")


app.command()(ops_cli.status)
app.add_typer(ops_cli.dlq, name="dlq")


def _add_declared(point: EntryPoint) -> None:
    name = point.name

    @app.command(
        name,
        help=f"(dev stack) see `alliance {name} --help`.",
        add_help_option=False,
        context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
    )
    def run(ctx: typer.Context) -> None:
        try:
            declared = point.load()
        except ModuleNotFoundError as exc:
            _fail(
                f"{name} belongs to the dev stack, which is not installed here ({exc.name} is "
                "missing): pip install -e '.[local]'"
            )
        declared([name, *ctx.args], prog_name="alliance")


for _point in entry_points(group=COMMANDS_GROUP):
    _add_declared(_point)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
