"""The committed JSON Schemas of every event contract; ``--write`` records the current ones.

Run ``python -m tests.contracts.snapshot --write`` after a compatible change (a new optional
field, a new event type) to record it.
"""

import json
import sys
from pathlib import Path
from typing import Any

import shared.contracts  # noqa: F401  (registers every event type)
from shared.contracts.base import registry

SNAPSHOT = Path(__file__).with_name("events.schema.json")


def current_schemas() -> dict[str, Any]:
    return {
        name: {"topic": model.topic, "key": model.key_field, "schema": model.model_json_schema()}
        for name, model in sorted(registry.types().items())
        if name.startswith("uk.alliance.bookings.") or name.startswith("uk.alliance.brokerage.")
    }


def recorded_schemas() -> dict[str, Any]:
    return json.loads(SNAPSHOT.read_text())


if __name__ == "__main__" and "--write" in sys.argv:
    SNAPSHOT.write_text(json.dumps(current_schemas(), indent=2, sort_keys=True) + "\n")
    print(f"wrote {SNAPSHOT}")
