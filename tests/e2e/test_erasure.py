"""Erasure and subject access across the three services, through the real HTTP APIs, Kafka and
PostgreSQL: after an erasure the email is in no table of any database and no API answer, and
the counts and money are what they were; an export holds what each service held."""

from typing import Any

from tests.e2e.conftest import System
from tests.e2e.personal_data import Person, naming_everywhere


def money_and_counts(bookings: dict[str, Any], course: dict[str, Any]) -> dict[str, Any]:
    return {
        "places_left": course["places_left"],
        "bookings": sorted(
            (b["status"], b["price_pence"], b.get("fee_pence"), b["school"]["urn"])
            for b in bookings["items"]
        ),
        "total": bookings["total"],
    }


async def snapshot(person: Person) -> dict[str, Any]:
    api = person.system.bookings
    listed = await api.get("/bookings", params={"course": person.course}, headers=person.admin)
    course = await api.get(f"/courses/{person.course}", headers=person.admin)
    mail = await person.system.notifications.get(
        "/notifications", params={"limit": 200}, headers=person.admin
    )
    return {**money_and_counts(listed.json(), course.json()), "mail": mail.json()["total"]}


async def notification_bodies(person: Person) -> list[str]:
    api = person.system.notifications
    listed = await api.get("/notifications", params={"limit": 200}, headers=person.admin)
    bodies = []
    for item in listed.json()["items"]:
        one = await api.get(f"/notifications/{item['id']}", headers=person.admin)
        assert one.status_code == 200, one.text
        bodies.append(one.text)
    return bodies


async def test_an_export_holds_what_each_service_holds_and_is_handed_over_once(
    system: System,
) -> None:
    person = Person(system)
    await person.setup()

    asked = await person.ask("access")
    assert asked["alliance_id"] == person.alliance
    assert asked["email_hint"] == f"p…@{person.run}.example.org"
    done = await person.completed(asked["id"])
    assert {a["service"] for a in done["answered"]} == {"bookings", "brokerage", "notifications"}
    assert done["waiting_for"] == []

    exported = await system.bookings.get(
        f"/personal-data/requests/{asked['id']}/export", headers=person.admin
    )
    assert exported.status_code == 200, exported.text
    services = exported.json()["services"]
    bookings_part = services["bookings"]["tables"]
    assert [b["participant_name"] for b in bookings_part["bookings"]] == ["Sam Teacher"]
    assert [s["role"] for s in bookings_part["staff"]] == ["coordinator"]
    brokerage_part = services["brokerage"]["tables"]
    assert [r["id"] for r in brokerage_part["support_requests"]] == [person.request_id]
    assert len(brokerage_part["alliances"]) == 1
    sent = services["notifications"]["tables"]["notifications"]
    assert {n["recipient_email"] for n in sent} >= {person.email}
    assert all(person.email in n["body_text"] or n["recipient_email"] == person.email for n in sent)
    # Olive's data is not Pat's
    assert person.other not in exported.text

    again = await system.bookings.get(
        f"/personal-data/requests/{asked['id']}/export", headers=person.admin
    )
    assert again.status_code == 409, again.text
    kept = await naming_everywhere(system, person.email)
    assert "personal_data_answers.data" not in kept["bookings"]


async def test_after_erasure_the_email_is_nowhere_and_counts_and_money_stay(
    system: System,
) -> None:
    person = Person(system)
    await person.setup()
    before = await snapshot(person)
    assert any(person.email in text for text in await person.api_answers())
    assert any("Pat Person" in text for text in await person.api_answers())

    asked = await person.ask("erasure")
    done = await person.completed(asked["id"])
    assert [a["service"] for a in done["answered"]] == ["bookings", "brokerage", "notifications"]
    assert all(a["rows"] > 0 for a in done["answered"])

    assert await naming_everywhere(system, person.email) == {
        "bookings": [],
        "brokerage": [],
        "notifications": [],
    }
    answers = await person.api_answers() + await notification_bodies(person)
    assert not [text for text in answers if person.email in text.lower()]
    assert not [text for text in answers if "Pat Person" in text]
    assert await snapshot(person) == before
    # Olive, booked on the same course, keeps her booking as it was
    assert any(person.other in text for text in answers)
    # bookings keeps the request, not the email: nor in the event it sent
    listed = await system.bookings.get("/personal-data/requests", headers=person.admin)
    assert [r["id"] for r in listed.json()] == [asked["id"]]


async def test_a_person_asks_for_their_own_and_nobody_else_may(system: System) -> None:
    person = Person(system)
    await person.setup()
    themselves = system.stack.auth("participant", person.alliance, email=person.email)

    nosy = system.stack.auth("participant", person.alliance, email=person.other)
    refused = await system.bookings.post(
        "/personal-data/requests",
        json={"kind": "erasure", "email": person.email},
        headers=nosy,
    )
    assert refused.status_code == 403, refused.text
    other_admin = system.stack.auth("alliance_admin", f"{person.alliance}-other")

    asked = await person.ask("access", headers=themselves)
    assert asked["alliance_id"] is None
    hidden = await system.bookings.get(
        f"/personal-data/requests/{asked['id']}", headers=other_admin
    )
    assert hidden.status_code == 404, hidden.text
    await person.completed(asked["id"], headers=themselves)
    exported = await system.bookings.get(
        f"/personal-data/requests/{asked['id']}/export", headers=themselves
    )
    assert exported.status_code == 200, exported.text
    assert exported.json()["services"]["bookings"]["tables"]["bookings"]

    erased = await person.ask("erasure", headers=themselves)
    await person.completed(erased["id"], headers=themselves)
    assert await naming_everywhere(system, person.email) == {
        "bookings": [],
        "brokerage": [],
        "notifications": [],
    }


async def test_a_bad_request_is_refused_field_by_field_and_nothing_is_kept(
    system: System,
) -> None:
    admin = system.stack.auth("alliance_admin", "refusing-tsa")
    api = system.bookings
    bad = await api.post(
        "/personal-data/requests", json={"kind": "forget", "email": "not an email"}, headers=admin
    )
    assert bad.status_code == 422, bad.text
    assert bad.headers["content-type"].startswith("application/problem+json")
    assert {e["field"] for e in bad.json()["errors"]} == {"kind", "email"}
    anonymous = await api.post(
        "/personal-data/requests", json={"kind": "access", "email": "a@b.example.org"}
    )
    assert anonymous.status_code == 401, anonymous.text
    listed = await api.get("/personal-data/requests", headers=admin)
    assert listed.json() == []
