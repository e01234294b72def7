"""A breaking change to a published event contract fails the build unless it is a new version."""

from typing import Any

import pytest
from pydantic import BaseModel, EmailStr, ValidationError

from shared import email_address
from shared.contracts.common import Contact
from tests.contracts.snapshot import current_schemas, recorded_schemas

RECORDED = recorded_schemas()
CURRENT = current_schemas()


def resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref")
    if ref:
        return schema["$defs"][ref.rsplit("/", 1)[-1]]
    return node


def breaking_changes(
    old_root: dict[str, Any],
    new_root: dict[str, Any],
    old: dict[str, Any],
    new: dict[str, Any],
    path: str,
) -> list[str]:
    old, new = resolve(old_root, old), resolve(new_root, new)
    problems: list[str] = []
    if old.get("type") != new.get("type"):
        problems.append(f"{path}: type {old.get('type')} became {new.get('type')}")
    if "anyOf" in old or "anyOf" in new:
        old_kinds = [resolve(old_root, o).get("type") for o in old.get("anyOf", [old])]
        new_kinds = [resolve(new_root, n).get("type") for n in new.get("anyOf", [new])]
        if not set(old_kinds) <= set(new_kinds):
            problems.append(f"{path}: accepted types {old_kinds} narrowed to {new_kinds}")
    for name, old_prop in old.get("properties", {}).items():
        new_prop = new.get("properties", {}).get(name)
        if new_prop is None:
            problems.append(f"{path}.{name}: removed")
            continue
        problems += breaking_changes(old_root, new_root, old_prop, new_prop, f"{path}.{name}")
    for name in set(new.get("required", [])) - set(old.get("required", [])):
        problems.append(f"{path}.{name}: newly required")
    if "items" in old and "items" in new:
        problems += breaking_changes(old_root, new_root, old["items"], new["items"], f"{path}[]")
    return problems


@pytest.mark.parametrize("event_type", sorted(RECORDED))
def test_recorded_event_types_still_exist_compatibly(event_type: str) -> None:
    assert event_type in CURRENT, f"{event_type} was removed: publish a new version instead"
    old, new = RECORDED[event_type], CURRENT[event_type]
    assert (new["topic"], new["key"]) == (old["topic"], old["key"])
    assert breaking_changes(old["schema"], new["schema"], old["schema"], new["schema"], "") == []


def test_every_event_type_is_recorded() -> None:
    unrecorded = sorted(set(CURRENT) - set(RECORDED))
    assert unrecorded == [], "record them: python -m tests.contracts.snapshot --write"


def test_a_removed_field_is_reported_as_breaking() -> None:
    old = RECORDED["uk.alliance.bookings.booking_cancelled.v1"]["schema"]
    new = {**old, "properties": {k: v for k, v in old["properties"].items() if k != "fee_pence"}}
    assert breaking_changes(old, new, old, new, "") == [".fee_pence: removed"]


def test_an_address_is_read_as_emailstr_reads_it_and_checked_once() -> None:
    class Plain(BaseModel):
        email: EmailStr

    for value in ["Tom.Hughes@School.Example.org", " amy@example.org ", "zoë@exämple.org"]:
        assert Contact(name="x", email=value).email == Plain(email=value).email
    for bad in ["nope", "a@b", "tom@localhost", "a\nb@example.org", "x" * 300 + "@example.org"]:
        with pytest.raises(ValidationError) as ours:
            Contact(name="x", email=bad)
        with pytest.raises(ValidationError) as theirs:
            Plain(email=bad)
        assert ours.value.errors()[0]["msg"] == theirs.value.errors()[0]["msg"]
    assert Contact.model_json_schema()["properties"]["email"] == {
        **Plain.model_json_schema()["properties"]["email"],
        "title": "Email",
    }

    email_address._accepted.clear()
    for _ in range(3):
        Contact(name="x", email="Lead@School.example.org")
    assert email_address._accepted == {"Lead@School.example.org": "Lead@school.example.org"}
