"""A breaking change to a service's HTTP API fails the build: an operation, a parameter or a
field that clients rely on may not disappear, and nothing they don't send may become required."""

from typing import Any

import pytest

from devstack.settings import SERVICES
from tests.contracts.openapi import current_document, recorded_document

METHODS = ("get", "put", "post", "patch", "delete")


def operations(document: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (path, method): operation
        for path, item in document.get("paths", {}).items()
        for method, operation in item.items()
        if method in METHODS
    }


def required_parameters(operation: dict[str, Any]) -> set[str]:
    return {p["name"] for p in operation.get("parameters", []) if p.get("required")}


def breaking_changes(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    new_operations = operations(new)
    for key, operation in operations(old).items():
        if key not in new_operations:
            problems.append(f"{key[1].upper()} {key[0]}: removed")
            continue
        added = required_parameters(new_operations[key]) - required_parameters(operation)
        problems += [f"{key[1].upper()} {key[0]}: parameter {p} now required" for p in added]
    new_schemas = new.get("components", {}).get("schemas", {})
    for name, schema in old.get("components", {}).get("schemas", {}).items():
        if name not in new_schemas:
            problems.append(f"schema {name}: removed")
            continue
        now = new_schemas[name]
        for field in schema.get("properties", {}):
            if field not in now.get("properties", {}):
                problems.append(f"schema {name}: field {field} removed")
        for field in set(now.get("required", [])) - set(schema.get("required", [])):
            problems.append(f"schema {name}: field {field} now required")
    return problems


@pytest.mark.parametrize("service", SERVICES)
def test_the_http_api_changes_only_compatibly(service: str) -> None:
    assert breaking_changes(recorded_document(service), current_document(service)) == []


@pytest.mark.parametrize("service", SERVICES)
def test_the_recorded_document_is_current(service: str) -> None:
    """Compatible changes are recorded too, so the snapshot always says what is served."""
    recorded, current = recorded_document(service), current_document(service)
    assert set(operations(current)) == set(operations(recorded)), (
        "record it: python -m tests.contracts.openapi --write"
    )


def test_a_removed_operation_and_a_newly_required_field_are_breaking() -> None:
    old = {
        "paths": {"/x": {"get": {}, "post": {}}},
        "components": {"schemas": {"In": {"properties": {"a": {}}, "required": []}}},
    }
    new = {
        "paths": {"/x": {"get": {}}},
        "components": {"schemas": {"In": {"properties": {"a": {}}, "required": ["a"]}}},
    }
    assert breaking_changes(old, new) == ["POST /x: removed", "schema In: field a now required"]
