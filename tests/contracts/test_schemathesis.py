"""Schemathesis against each service's own OpenAPI document, served by the real app on the test
stack: every operation gets schema-derived requests (the examples; the coverage scenarios:
boundary and missing values, a missing token, methods the path does not take; then a few
generated cases, valid and invalid), sent with the bearer tokens of several roles in turn, and
every response must be what the document promises (every check enabled: status code, content
type, headers and body schema, no 5xx, bad input refused, good input accepted, a protected
operation refusing a missing token).

Bounded for the suite (a few generated cases an operation, no stateful phase). The engine is the
one behind ``schemathesis run``; the counts are printed (``pytest -s``)."""

import itertools
from collections.abc import AsyncIterator
from contextlib import ExitStack
from typing import Any

import pytest
import schemathesis
from schemathesis.engine import events, from_schema

from devstack.settings import SERVICE_SETTINGS, SERVICES
from tests.contracts.schemathesis_servers import Running, serving
from tests.support.isolated import isolated_parts
from tests.support.stack import Stack

ALLIANCE = "alliance-st"
URN = "115678"

ROLES: dict[str, list[dict[str, Any]]] = {
    "bookings": [
        {"role": "alliance_admin"},
        {"role": "school_lead", "school_urn": URN, "email": "lead@example.org"},
        {"role": "participant", "email": "teacher@example.org"},
    ],
    "brokerage": [
        {"role": "coordinator"},
        {"role": "alliance_admin"},
        {"role": "sle", "email": "sle@example.org"},
    ],
    "notifications": [{"role": "alliance_admin"}, {"role": "coordinator"}],
    "finance": [
        {"role": "alliance_admin"},
        {"role": "school_lead", "school_urn": URN, "email": "lead@example.org"},
    ],
}

CONFIG = {
    "continue-on-failure": True,
    "generation": {"max-examples": 2, "database": "none", "deterministic": True},
    # A method a path does not take is tried once a path (405 with Allow), not with each.
    "phases": {"stateful": {"enabled": False}, "coverage": {"unexpected-methods": ["DELETE"]}},
    "checks": {
        # Schema-valid input may still break a rule JSON Schema cannot state: across fields (a
        # session ends after it starts; one of two fees), or on stored state (the alliance
        # must exist). Those are 422 problems naming the field, never a 5xx or a 400.
        "positive_data_acceptance": {
            "expected-statuses": ["2xx", "3xx", "401", "403", "404", "409", "422", "429"]
        }
    },
}


@pytest.fixture(scope="module")
async def servers(stack: Stack) -> AsyncIterator[dict[str, Running]]:
    async with isolated_parts(stack, "schemathesis") as parts:
        with ExitStack() as running:
            yield {
                s: running.enter_context(
                    serving(s, stack.settings(SERVICE_SETTINGS[s], **parts.overrides))
                )
                for s in SERVICES
            }


def schema_for(stack: Stack, running: Running) -> Any:
    schema = schemathesis.openapi.from_url(
        f"{running.url}/openapi.json", config=schemathesis.Config.from_dict(CONFIG)
    )
    tokens = itertools.cycle(
        [
            stack.token(subject=f"st-{i}", alliance_id=ALLIANCE, **claims)
            for i, claims in enumerate(ROLES[running.service])
        ]
    )

    @schema.auth(refresh_interval=None)
    class Roles:
        """A token of the next role for each case (schemathesis leaves it off to test that)."""

        def get(self, case: Any, context: Any) -> str:
            return next(tokens)

        def set(self, case: Any, data: str, context: Any) -> None:
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}

    return schema


def described(recorder: Any) -> list[str]:
    found = []
    for case_id, checks in recorder.checks.items():
        for check in checks:
            if check.failure_info is None:
                continue
            failure = check.failure_info.failure
            sent = recorder.interactions.get(case_id)
            answer = sent.response if sent else None
            status = answer.status_code if answer else "-"
            body = answer.content[:400].decode(errors="replace") if answer else ""
            found.append(
                f"{recorder.label} [{check.name}] {failure.title} (got {status})\n"
                f"{failure.message}\n{check.failure_info.code_sample}\n-> {body}"
            )
    return found


@pytest.mark.parametrize("service", SERVICES)
def test_the_service_answers_as_its_document_says(
    service: str, stack: Stack, servers: dict[str, Running]
) -> None:
    running = servers[service]
    before = sum(running.requests.seen.values())
    operations: set[str] = set()
    failures: list[str] = []
    errors: list[str] = []
    for event in from_schema(schema_for(stack, running)).execute():
        if isinstance(event, events.ScenarioFinished):
            operations.add(event.recorder.label)
            failures += described(event.recorder)
        elif isinstance(event, events.NonFatalError):
            errors.append(f"{event.label}: {event.value!r}")
        elif isinstance(event, events.FatalError):
            raise event.exception
    sent = sum(running.requests.seen.values()) - before
    print(f"\nschemathesis {service}: {len(operations)} operations, {sent} requests")
    unique = sorted(set(failures))
    assert not errors, "\n".join(errors)
    assert not unique, f"{len(unique)} failure(s):\n\n" + "\n\n".join(unique)
