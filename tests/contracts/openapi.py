"""The committed OpenAPI documents of the three services; ``--write`` records the current ones.

Run ``python -m tests.contracts.openapi --write`` after a compatible change to record it.
"""

import json
import sys
from importlib import import_module
from pathlib import Path
from typing import Any

from shared.settings import SERVICES, Settings

SNAPSHOTS = Path(__file__).with_name("openapi")


def current_document(service: str) -> dict[str, Any]:
    settings = Settings(
        **{f"{s.upper()}_DATABASE_URL": "postgresql+asyncpg://x@127.0.0.1:1/x" for s in SERVICES},
        KAFKA_BOOTSTRAP_SERVERS="127.0.0.1:1",
        SMTP_HOST="127.0.0.1",
        JWT_SECRET="snapshot-only-not-a-secret-snapshot-only",
    )
    app = import_module(f"services.{service}.app").build_app(settings)
    return app.openapi()


def recorded_document(service: str) -> dict[str, Any]:
    return json.loads((SNAPSHOTS / f"{service}.json").read_text())


if __name__ == "__main__" and "--write" in sys.argv:
    SNAPSHOTS.mkdir(exist_ok=True)
    for name in SERVICES:
        path = SNAPSHOTS / f"{name}.json"
        path.write_text(json.dumps(current_document(name), indent=2, sort_keys=True) + "\n")
        print(f"wrote {path}")
