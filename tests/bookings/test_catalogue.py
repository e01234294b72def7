from datetime import UTC, datetime, timedelta

from tests.bookings.conftest import Alliance


def _sessions(days: int) -> dict:
    start = datetime.now(UTC).replace(hour=9, minute=0, second=0, microsecond=0) + timedelta(
        days=days
    )
    return {
        "sessions": [
            {
                "starts_at": start.isoformat(),
                "ends_at": (start + timedelta(hours=2)).isoformat(),
                "online_url": "https://meet.example.org/x",
            }
        ],
        "booking_closes_at": (start - timedelta(days=1)).isoformat(),
    }


async def test_catalogue_filters_and_pages(alliance: Alliance) -> None:
    send = await alliance.course(strand="send", phases=["secondary"], capacity=1, **_sessions(30))
    cpd = await alliance.course(strand="cpd", phases=["primary"], **_sessions(60))
    research = await alliance.course(strand="research", phases=["post_16"], **_sessions(90))
    await alliance.course(publish=False, **_sessions(45))
    school = await alliance.school()
    await school.book(send["id"])

    async def ids(**params: object) -> list[str]:
        answer = await alliance.api.get(
            "/courses", params={"alliance": alliance.alliance_id, **params}
        )
        assert answer.status_code == 200, answer.text
        return [c["id"] for c in answer.json()["items"]]

    assert await ids() == [send["id"], cpd["id"], research["id"]]
    assert await ids(strand="send") == [send["id"]]
    assert await ids(phase="primary") == [cpd["id"]]
    window = datetime.now(UTC).date()
    assert await ids(
        starts_from=(window + timedelta(days=50)).isoformat(),
        starts_to=(window + timedelta(days=70)).isoformat(),
    ) == [cpd["id"]]
    assert await ids(has_places="true") == [cpd["id"], research["id"]]
    assert await ids(has_places="false") == [send["id"]]
    second = await alliance.api.get(
        "/courses", params={"alliance": alliance.alliance_id, "per_page": 2, "page": 2}
    )
    assert second.json()["total"] == 3
    assert [c["id"] for c in second.json()["items"]] == [research["id"]]
    one = (await alliance.api.get(f"/courses/{send['id']}")).json()
    assert (one["places_left"], one["booking_open"]) == (0, True)
