"""Init container: wait until a service's database is at the Alembic head revision.

    python /opt/alliance/wait_for_schema.py bookings [timeout-seconds]

The migration Job (`alliance migrate <service>`) changes the schema; this only reads
``alembic_version`` so that a new Deployment never serves against an old schema, whatever
order the manifests were applied in. Exits 0 when at head, 1 after the timeout (the kubelet
then restarts the init container with backoff).
"""

import asyncio
import sys
import time

from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from shared.settings import ConfigurationError, declared_services, service_settings
from shared.storage.migrations import alembic_config, script_location


async def current_revisions(url: str) -> set[str]:
    engine = create_async_engine(url, poolclass=NullPool, connect_args={"timeout": 5})
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(text("select version_num from alembic_version"))
            return {row[0] for row in rows}
    finally:
        await engine.dispose()


def main(service: str, timeout_s: float) -> int:
    known = tuple(declared_services())
    if service not in known:
        print(f"unknown service {service!r}: use one of {', '.join(known)}", file=sys.stderr)
        return 2
    try:
        url = service_settings(service)().database_url()
    except ConfigurationError as exc:
        print(f"{service}: {exc}", file=sys.stderr)
        return 2
    heads = set(
        ScriptDirectory.from_config(alembic_config(script_location(service), url)).get_heads()
    )
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            current = asyncio.run(current_revisions(url))
            problem = f"database at {sorted(current) or 'no revision'}, code at {sorted(heads)}"
        except Exception as exc:
            current = None
            problem = f"{type(exc).__name__}: {exc}"[:300]
        if current == heads:
            print(f"{service}: schema at head {sorted(heads)}", flush=True)
            return 0
        if time.monotonic() >= deadline:
            print(f"{service}: gave up waiting for migrations: {problem}", file=sys.stderr)
            return 1
        print(f"{service}: waiting for migrations ({problem})", flush=True)
        time.sleep(5)


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1], float(sys.argv[2]) if len(sys.argv) == 3 else 600.0))
