"""JSONB parameters are written by pydantic-core's encoder and read by its parser
(``shared.storage.engine``): the values that come back are the ones ``json`` would give, so the
relay sends the same bytes and readers see the same values."""

import json

import pytest
from pydantic_core import from_json

from shared.storage.engine import json_text

VALUES = [
    {},
    [],
    {"name": "Zoë Ó'Brien", "emoji": "📚", "quote": 'say "hi"\\n', "control": "\t\x01"},
    {"n": 0, "big": 2**70, "negative": -(2**63), "float": 0.1, "tiny": 5e-324, "huge": 1e300},
    {"nested": [{"a": [1, 2.5, None, True, False]}, {"b": {"c": ""}}], "order": {"z": 1, "a": 2}},
    {"sessions": [{"starts_at": "2026-11-26T09:00:00Z", "venue": None}], "capacity": 30},
    {"ce_id": "6d2c5a9e-9f4e-4f8e-9d1e-0c7c3b1f2a11", "ce_time": "2026-11-26T23:44:42+00:00"},
]


@pytest.mark.parametrize("value", VALUES)
def test_json_text_reads_back_as_json_dumps_would(value: object) -> None:
    assert json.loads(json_text(value)) == value
    assert json.dumps(json.loads(json_text(value))) == json.dumps(value)


@pytest.mark.parametrize("value", VALUES)
def test_from_json_reads_what_json_loads_reads(value: object) -> None:
    text = json.dumps(value)
    assert from_json(text) == json.loads(text)
    assert json.dumps(from_json(text)) == json.dumps(json.loads(text))
    spaced = json.dumps(value, indent=2, ensure_ascii=False)  # as PostgreSQL gives JSONB back
    assert from_json(spaced) == value
