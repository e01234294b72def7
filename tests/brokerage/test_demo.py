from services.brokerage.demo import load_demo_data
from tests.brokerage.helpers import Brokerage


async def test_demo_data_loads_once(brokerage: Brokerage) -> None:
    runtime = brokerage.app.state.runtime
    await load_demo_data(runtime)
    await load_demo_data(runtime)
    odyssey = brokerage.stack.auth("coordinator", "odyssey-tsa")
    listed = await brokerage.client.get("/support-requests", headers=odyssey)
    assert sorted(r["status"] for r in listed.json()) == ["agreed", "triaged"]
    sles = await brokerage.client.get("/sles", headers=odyssey)
    assert len(sles.json()) == 5
    assert sum(s["days_committed"] for s in sles.json()) == 4
    form = await brokerage.client.get(
        "/support-requests/new", params={"alliance": "forest-way-tsa"}
    )
    assert form.status_code == 200 and "Forest Way Teaching School Alliance" in form.text
