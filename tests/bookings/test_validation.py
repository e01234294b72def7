"""Bad input of every kind is a 4xx problem, never a 500."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.bookings.conftest import Alliance, course_body


def _future(days: int) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


BAD_COURSES: list[dict[str, Any]] = [
    {"capacity": 0},
    {"capacity": -5},
    {"capacity": "lots"},
    {"title": ""},
    {"title": "x" * 201},
    {"strand": "astrology"},
    {"phases": []},
    {"phases": ["kindergarten"]},
    {"sessions": []},
    {"sessions": [{"starts_at": _future(10), "ends_at": _future(9), "venue": "Hall"}]},
    {"sessions": [{"starts_at": _future(10), "ends_at": _future(11)}]},
    {
        "sessions": [
            {"starts_at": "2030-01-01T09:00:00", "ends_at": "2030-01-01T12:00:00", "venue": "Hall"}
        ]
    },
    {"sessions": [{"starts_at": _future(10), "ends_at": _future(11), "online_url": "not a url"}]},
    {"sessions": "tomorrow"},
    {"booking_closes_at": _future(400)},
    {"booking_closes_at": "soon"},
    {"member_price_pence": -1},
    {"non_member_price_pence": 1.5},
    {"cancellation_policy": {"bands": [{"max_working_days": 5, "percent": 150}]}},
    {"cancellation_policy": {"late_fee_pence": -100}},
    {"offer_hold_hours": 0},
    {"minimum_viable_numbers": 50},
    {"unexpected": "field"},
    {
        "sessions": [
            {
                "starts_at": (datetime.now(UTC) - timedelta(days=1)).isoformat(),
                "ends_at": datetime.now(UTC).isoformat(),
                "venue": "Hall",
            }
        ],
        "booking_closes_at": (datetime.now(UTC) - timedelta(days=2)).isoformat(),
    },
]


def _assert_problem(response: Any, *statuses: int) -> None:
    assert response.status_code in statuses, (response.status_code, response.text)
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == response.status_code
    assert body["title"] and body["detail"]


@pytest.mark.parametrize("bad", BAD_COURSES)
async def test_invalid_courses_are_422_problems(alliance: Alliance, bad: dict[str, Any]) -> None:
    response = await alliance.api.post("/courses", json=course_body(**bad), headers=alliance.admin)
    _assert_problem(response, 422)


async def test_invalid_changes_and_requests_are_4xx_problems(alliance: Alliance) -> None:
    api, admin = alliance.api, alliance.admin
    course = await alliance.course(capacity=2)
    school = await alliance.school()
    booking = await school.book(course["id"])
    cid, bid = course["id"], booking["id"]
    lead = school.lead
    key = {"Idempotency-Key": "k-1"}
    cases: list[tuple[str, str, dict[str, Any], Any, tuple[int, ...]]] = [
        ("PATCH", f"/courses/{cid}", admin, {"capacity": -1}, (422,)),
        ("PATCH", f"/courses/{cid}", admin, {"booking_closes_at": _future(500)}, (422,)),
        ("PATCH", f"/courses/{cid}", admin, {"sessions": []}, (422,)),
        ("PATCH", f"/courses/{cid}", admin, {"nonsense": 1}, (422,)),
        ("PATCH", f"/courses/{cid}", admin, [1, 2], (422,)),
        ("PATCH", "/courses/not-a-uuid", admin, {"title": "x"}, (422,)),
        ("POST", f"/courses/{cid}/publish", admin, None, (409,)),
        ("POST", f"/courses/{cid}/cancel", admin, {"reason": ""}, (422,)),
        ("POST", f"/courses/{cid}/cancel", admin, {"reason": "   \n "}, (422,)),
        ("POST", f"/courses/{cid}/cancel", admin, None, (422,)),
        ("POST", "/courses/00000000-0000-0000-0000-000000000000/publish", admin, None, (404,)),
        ("GET", "/courses?page=0", {}, None, (422,)),
        ("GET", "/courses?per_page=1000", {}, None, (422,)),
        ("GET", "/courses?has_places=maybe", {}, None, (422,)),
        ("GET", "/courses?starts_from=yesterday", {}, None, (422,)),
        ("GET", "/courses?strand=astrology", {}, None, (422,)),
        ("GET", "/courses/123", {}, None, (422,)),
        ("GET", "/courses/00000000-0000-0000-0000-000000000000", {}, None, (404,)),
        ("POST", "/courses", {}, course_body(), (401,)),
        ("POST", "/courses", {"Authorization": "Bearer nonsense"}, course_body(), (401,)),
        ("POST", "/courses", lead, course_body(), (403,)),
        ("POST", f"/courses/{cid}/bookings", {**lead, **key}, {"school_urn": school.urn}, (422,)),
        (
            "POST",
            f"/courses/{cid}/bookings",
            {**lead, **key},
            {**school.booking_body(), "school_urn": "12345"},
            (422,),
        ),
        (
            "POST",
            f"/courses/{cid}/bookings",
            {**lead, **key},
            {**school.booking_body(), "participant": {"name": "A", "email": "not-an-email"}},
            (422,),
        ),
        (
            "POST",
            f"/courses/{cid}/bookings",
            {**lead, **key},
            {**school.booking_body(), "access_needs": "x" * 2001},
            (422,),
        ),
        (
            "POST",
            f"/courses/{cid}/bookings",
            {**lead, "Idempotency-Key": "k" * 201},
            school.booking_body(),
            (422,),
        ),
        ("POST", f"/courses/{cid}/bookings", lead, school.booking_body(), (422,)),
        ("POST", f"/courses/{cid}/bookings", {**lead, **key}, "just text", (400,)),
        ("POST", f"/courses/{cid}/bookings", {**admin, **key}, school.booking_body(), (403,)),
        (
            "POST",
            f"/courses/{cid}/bookings",
            {
                **school.alliance.stack.auth(
                    "school_lead", school.alliance.alliance_id, school_urn=school.urn
                ),
                **key,
            },
            school.booking_body(),
            (403,),
        ),
        (
            "POST",
            "/courses/00000000-0000-0000-0000-000000000000/bookings",
            {**lead, **key},
            school.booking_body(),
            (404,),
        ),
        ("POST", f"/bookings/{bid}/cancel", lead, {"waive_fee": True}, (403,)),
        ("POST", f"/bookings/{bid}/cancel", lead, {"waive_fee": "perhaps"}, (422,)),
        ("POST", f"/bookings/{bid}/accept-offer", lead, None, (409,)),
        ("POST", f"/bookings/{bid}/approve", lead, None, (409,)),
        ("POST", f"/bookings/{bid}/decline", lead, {"reason": 5}, (422,)),
        (
            "POST",
            f"/bookings/{bid}/substitute",
            lead,
            {"participant": {"name": "", "email": "a@b.example.org"}},
            (422,),
        ),
        (
            "POST",
            f"/bookings/{bid}/substitute",
            lead,
            {"participant": booking["participant"]},
            (409,),
        ),
        ("GET", "/bookings?school=abc", lead, None, (422,)),
        ("GET", "/bookings?participant_email=nope", lead, None, (422,)),
        ("GET", "/bookings", school.alliance.stack.auth("sle", "x"), None, (403,)),
        ("GET", "/bookings/not-a-uuid", lead, None, (422,)),
        (
            "PUT",
            "/schools/12",
            admin,
            {"name": "A", "cpd_lead_name": "B", "cpd_lead_email": "c@d.example.org"},
            (422,),
        ),
        ("PUT", f"/schools/{school.urn}", admin, {"name": "A"}, (422,)),
        (
            "PUT",
            "/schools/999999",
            lead,
            {"name": "A", "cpd_lead_name": "B", "cpd_lead_email": "c@d.example.org"},
            (403,),
        ),
        ("PUT", f"/alliances/{alliance.alliance_id}/members/999998", admin, None, (404,)),
        ("DELETE", f"/alliances/{alliance.alliance_id}/members/999998", admin, None, (404,)),
        ("GET", "/schools/999997", admin, None, (404,)),
    ]
    for method, path, headers, body, statuses in cases:
        if isinstance(body, str):
            response = await api.request(
                method, path, content=body, headers={**headers, "content-type": "application/json"}
            )
        else:
            response = await api.request(method, path, json=body, headers=headers)
        _assert_problem(response, *statuses)
    cancelled = await api.post(f"/bookings/{bid}/cancel", headers=lead)
    assert cancelled.status_code == 200
    _assert_problem(await api.post(f"/bookings/{bid}/cancel", headers=lead), 409)
    _assert_problem(
        await api.post(
            f"/bookings/{bid}/substitute",
            json={"participant": {"name": "Z", "email": "z@z.example.org"}},
            headers=lead,
        ),
        409,
    )
