"""Setting the scene for brokerage tests through the HTTP API, as a coordinator would."""

import secrets
from dataclasses import dataclass, field
from typing import Any

import httpx
from fastapi import FastAPI

from shared.contracts.topics import BROKERAGE_EVENTS
from tests.support.kafka import Record, header, read_topic
from tests.support.stack import Stack

T = "uk.alliance.brokerage."


@dataclass
class Alliance:
    id: str
    staff: dict[str, str]
    admin: dict[str, str]


@dataclass
class Brokerage:
    stack: Stack
    app: FastAPI
    client: httpx.AsyncClient
    _urns: list[int] = field(default_factory=lambda: [100000])

    async def alliance(self, region: str = "Gloucestershire") -> Alliance:
        alliance_id = f"tsa-{secrets.token_hex(4)}"
        admin = self.stack.auth("alliance_admin", alliance_id)
        response = await self.client.put(
            f"/alliances/{alliance_id}",
            json={
                "name": f"Alliance {alliance_id}",
                "region": region,
                "coordinators": [{"name": "Cora Ordinator", "email": "cora@tsa.example.org"}],
            },
            headers=admin,
        )
        assert response.status_code == 200, response.text
        return Alliance(alliance_id, self.stack.auth("coordinator", alliance_id), admin)

    def urn(self) -> str:
        self._urns[0] += 1
        return str(self._urns[0])

    async def sle(self, alliance: Alliance, **overrides: Any) -> dict[str, Any]:
        name = overrides.pop("name", f"SLE {secrets.token_hex(3)}")
        body = {
            "name": name,
            "email": f"{name.lower().replace(' ', '.')}@school.example.org",
            "home_school_urn": self.urn(),
            "home_school_name": "Beech Primary School",
            "home_head_name": "Hilary Head",
            "home_head_email": "head@beech.example.org",
            "phases": ["primary"],
            "specialisms": ["mathematics"],
            "days_available": 10,
            "region": "Gloucestershire",
            **overrides,
        }
        response = await self.client.post("/sles", json=body, headers=alliance.staff)
        assert response.status_code == 201, response.text
        return response.json()

    async def submit(self, alliance: Alliance, **overrides: Any) -> dict[str, Any]:
        response = await self.client.post(
            "/support-requests", json=request_body(alliance.id, **overrides)
        )
        assert response.status_code == 201, response.text
        return response.json()

    def sle_auth(self, alliance: Alliance, sle: dict[str, Any]) -> dict[str, str]:
        return self.stack.auth("sle", alliance.id, email=sle["email"])

    def head_auth(self, alliance: Alliance, sle: dict[str, Any]) -> dict[str, str]:
        return self.stack.auth("school_lead", alliance.id, school_urn=sle["home_school_urn"])

    async def act(
        self, request_id: str, step: str, headers: dict[str, str] | None = None, **body: Any
    ) -> httpx.Response:
        return await self.client.post(
            f"/support-requests/{request_id}/{step}", json=body or None, headers=headers or {}
        )

    async def ok(
        self, request_id: str, step: str, headers: dict[str, str] | None = None, **body: Any
    ) -> dict[str, Any]:
        response = await self.act(request_id, step, headers, **body)
        assert response.status_code == 200, f"{step}: {response.text}"
        return response.json()

    async def drive(
        self, alliance: Alliance, submitted: dict[str, Any], sle: dict[str, Any], until: str
    ) -> dict[str, Any]:
        """Take a submitted request along the happy path until it reaches ``until``."""
        rid = submitted["id"]
        token = school_token(submitted)
        steps: list[tuple[str, str, dict[str, str], dict[str, Any]]] = [
            ("triaged", "triage", alliance.staff, {"priority": "high"}),
            ("matching", "matching", alliance.staff, {}),
            ("proposed", "proposal", alliance.staff, {"sle_id": sle["id"]}),
            ("", "sle-acceptance", self.sle_auth(alliance, sle), {}),
            ("", "school-confirmation", {}, {"school_token": token}),
            ("accepted", "home-school-release", self.head_auth(alliance, sle), {}),
            ("agreed", "deployment", alliance.staff, AGREEMENT),
            (
                "active",
                "visits",
                self.sle_auth(alliance, sle),
                {"visit_date": "2026-02-02", "days": 1},
            ),
            ("completed", "completion", alliance.staff, {}),
            ("evaluated", "evaluation", {}, {"school_token": token, "rating": 5}),
        ]
        state: dict[str, Any] = {}
        for reached, step, headers, body in steps:
            state = await self.ok(rid, step, headers, **body)
            if reached == until:
                return state
        raise AssertionError(f"no step reaches {until}")


AGREEMENT = {
    "days": 3,
    "day_rate_pence": 35_000,
    "brokerage_fee_percent": 10,
    "starts_on": "2026-01-12",
    "ends_on": "2026-03-27",
}


def request_body(alliance_id: str, **overrides: Any) -> dict[str, Any]:
    return {
        "alliance_id": alliance_id,
        "school_name": "Hillview Primary School",
        "school_urn": "115678",
        "contact_name": "Sam Contact",
        "contact_role": "Headteacher",
        "contact_email": "sam@hillview.example.org",
        "contact_phone": "01452 123456",
        "areas": ["mathematics", "send"],
        "phase": "primary",
        "needs": "Support to lead maths across Key Stage 2.",
        "outcomes": "A consistent approach to fluency in every class.",
        "timing": "Spring term 2026",
        "days": 3,
        "funding_source": "own_budget",
        "consent_to_share": True,
        **overrides,
    }


def school_token(submitted: dict[str, Any]) -> str:
    return submitted["school_manage_url"].split("token=", 1)[1]


async def events_for(stack: Stack, request_id: str, count: int) -> list[Record]:
    """The events keyed by ``request_id`` on the topic, once at least ``count`` are there: each
    once, as consumers see them (the relay publishes at least once: a batch whose publication
    was not marked, its transaction lost to a slow broker, is published again)."""
    records = await read_topic(
        stack.bootstrap,
        BROKERAGE_EVENTS,
        until=lambda found: len(_once(found)) >= count,
        match=lambda r: r.key is not None and r.key.decode() == request_id,
    )
    return _once(records)


def _once(records: list[Record]) -> list[Record]:
    seen: set[str | None] = set()
    first = []
    for record in records:
        if (event_id := header(record, "ce_id")) not in seen:
            seen.add(event_id)
            first.append(record)
    return first


def types(records: list[Record]) -> list[str]:
    return [str(header(r, "ce_type")).removeprefix(T).removesuffix(".v1") for r in records]
