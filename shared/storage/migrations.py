"""Alembic, driven from code. The caller says where a service's scripts are.

The installation declares each service's script folder as an entry point in the
``alliance.migrations`` group (see ``pyproject.toml``): the kernel names no service.
"""

import asyncio
from importlib.metadata import entry_points
from importlib.util import find_spec
from pathlib import Path

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData, pool
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

ENTRY_POINT_GROUP = "alliance.migrations"


class UnknownMigrations(LookupError):
    """No script folder is declared for that name."""


def declared_scripts() -> dict[str, str]:
    """Each declared name and the package that holds its Alembic scripts, without importing it."""
    return {point.name: point.value for point in entry_points(group=ENTRY_POINT_GROUP)}


def script_location(name: str) -> Path:
    """The folder of the scripts declared as ``name`` (its package is found, not imported)."""
    package = declared_scripts().get(name)
    if package is None:
        known = ", ".join(sorted(declared_scripts())) or "none (is the project installed?)"
        raise UnknownMigrations(f"no migrations declared for {name!r}; declared: {known}")
    spec = find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise UnknownMigrations(f"{name}: {package} is not an installed package")
    return Path(next(iter(spec.submodule_search_locations)))


def alembic_config(scripts: Path, url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(scripts))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.set_main_option("version_table", "alembic_version")
    return config


def upgrade(scripts: Path, url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(scripts, url), revision)


def downgrade(scripts: Path, url: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(scripts, url), revision)


def run_env(target_metadata: MetaData) -> None:
    """The body of every service's ``env.py``: online migrations over asyncpg."""
    url = context.config.get_main_option("sqlalchemy.url")
    if context.is_offline_mode():
        context.configure(url=url, target_metadata=target_metadata, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return

    def run(connection: Connection) -> None:
        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()

    async def main() -> None:
        engine = create_async_engine(url, poolclass=pool.NullPool)
        async with engine.connect() as connection:
            await connection.run_sync(run)
        await engine.dispose()

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        asyncio.run(main())
    else:
        raise RuntimeError("run migrations outside a running event loop (use a thread)")
