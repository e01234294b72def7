"""The committed OpenAPI documents (and AsyncAPI operations) of the three services;
``--write`` records the current ones.

Run ``python -m tests.contracts.openapi --write`` after a compatible change to record it.
"""

import json
import sys
from importlib import import_module
from pathlib import Path
from typing import Any

from devstack.settings import SERVICE_SETTINGS, SERVICES
from shared.settings import ServiceSettings

SNAPSHOTS = Path(__file__).with_name("openapi")


def settings_for_documents(service: str) -> ServiceSettings:
    """Settings that let an app be built (nothing is connected) to read its documents."""
    return SERVICE_SETTINGS[service](
        **{f"{s.upper()}_DATABASE_URL": "postgresql+asyncpg://x@127.0.0.1:1/x" for s in SERVICES},
        KAFKA_BOOTSTRAP_SERVERS="127.0.0.1:1",
        SMTP_HOST="127.0.0.1",
        JWT_SECRET="snapshot-only-not-a-secret-snapshot-only",
    )


def current_document(service: str) -> dict[str, Any]:
    app = import_module(f"services.{service}.app").build_app(settings_for_documents(service))
    return app.openapi()


def recorded_document(service: str) -> dict[str, Any]:
    return json.loads((SNAPSHOTS / f"{service}.json").read_text())


if __name__ == "__main__" and "--write" in sys.argv:
    SNAPSHOTS.mkdir(exist_ok=True)
    for name in SERVICES:
        path = SNAPSHOTS / f"{name}.json"
        path.write_text(json.dumps(current_document(name), indent=2, sort_keys=True) + "\n")
        print(f"wrote {path}")
    asyncapi = {
        name: sorted(
            import_module(f"services.{name}.app")
            .build_app(settings_for_documents(name))
            .state.runtime.asyncapi()["operations"]
        )
        for name in SERVICES
    }
    path = Path(__file__).with_name("asyncapi.operations.json")
    path.write_text(json.dumps(asyncapi, indent=2) + "\n")
    print(f"wrote {path}")
