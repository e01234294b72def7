"""Demo data for `alliance up`: two alliances, their coordinators, ten SLEs and a few requests
in different states. Idempotent: does nothing if the demo alliances already have SLEs."""

from datetime import UTC, date, datetime, timedelta
from typing import Any

from services.brokerage import repository as repo
from services.brokerage.api.schemas import AgreeIn, AllianceIn, SleIn, SupportRequestIn
from services.brokerage.app import build_context
from services.brokerage.domain.lifecycle import Action
from services.brokerage.usecases import deployments, directory, requests, transitions
from services.brokerage.usecases.access import Caller
from services.brokerage.usecases.models import Triage
from shared.identity import Principal, Role
from shared.runtime import ServiceRuntime

ODYSSEY = "odyssey-tsa"
FOREST_WAY = "forest-way-tsa"

ALLIANCES: dict[str, dict[str, Any]] = {
    ODYSSEY: {
        "name": "Odyssey Teaching School Alliance",
        "region": "Gloucestershire",
        "coordinators": [
            {"name": "Rachel Hughes", "email": "sle.coordinator@odyssey-tsa.example.org"}
        ],
    },
    FOREST_WAY: {
        "name": "Forest Way Teaching School Alliance",
        "region": "Leicestershire",
        "coordinators": [
            {"name": "Imran Patel", "email": "sles@forestway-tsa.example.org"},
            {"name": "Joanne Whitfield", "email": "j.whitfield@forestway-tsa.example.org"},
        ],
    },
}

# alliance, name, email, home school (urn, name), head (name, email), phases, specialisms,
# days available, region
SLES: list[tuple[Any, ...]] = [
    (
        ODYSSEY,
        "Claire Bennett",
        "c.bennett@severnvale.example.org",
        ("115701", "Severn Vale Primary School"),
        ("Mark Davies", "head@severnvale.example.org"),
        ["primary"],
        ["mathematics", "assessment"],
        12,
        "Gloucestershire",
    ),
    (
        ODYSSEY,
        "Tom Ashworth",
        "t.ashworth@kingsholm.example.org",
        ("115722", "Kingsholm Church of England Primary"),
        ("Sarah Lloyd", "head@kingsholm.example.org"),
        ["primary", "early_years"],
        ["phonics", "english", "early_years"],
        8,
        "Gloucestershire",
    ),
    (
        ODYSSEY,
        "Priya Shah",
        "p.shah@denmark-road.example.org",
        ("115790", "Denmark Road High School"),
        ("Andrew Cole", "head@denmark-road.example.org"),
        ["secondary", "post_16"],
        ["science", "itt_and_early_career"],
        10,
        "Gloucestershire",
    ),
    (
        ODYSSEY,
        "Gareth Evans",
        "g.evans@dene-magna.example.org",
        ("115812", "Dene Magna School"),
        ("Louise Grant", "head@dene-magna.example.org"),
        ["secondary"],
        ["behaviour", "attendance", "disadvantage_gap"],
        6,
        "Forest of Dean",
    ),
    (
        ODYSSEY,
        "Helen Morris",
        "h.morris@milestone.example.org",
        ("115845", "The Milestone School"),
        ("Neil Parry", "head@milestone.example.org"),
        ["special", "all_through"],
        ["send", "behaviour"],
        15,
        "Gloucestershire",
    ),
    (
        FOREST_WAY,
        "Amelia Clarke",
        "a.clarke@forestway.example.org",
        ("120310", "Forest Way School"),
        ("David Turner", "head@forestway.example.org"),
        ["special"],
        ["send", "leadership_of_cpd"],
        10,
        "Leicestershire",
    ),
    (
        FOREST_WAY,
        "Jonathan Reid",
        "j.reid@castle-rock.example.org",
        ("120355", "Castle Rock High School"),
        ("Fiona Marsh", "head@castle-rock.example.org"),
        ["secondary"],
        ["mathematics", "curriculum", "most_able"],
        8,
        "Leicestershire",
    ),
    (
        FOREST_WAY,
        "Sophie Walsh",
        "s.walsh@woodstone.example.org",
        ("120377", "Woodstone Community Primary"),
        ("Paul Hart", "head@woodstone.example.org"),
        ["primary"],
        ["english", "phonics", "disadvantage_gap"],
        9,
        "Leicestershire",
    ),
    (
        FOREST_WAY,
        "Michael Osei",
        "m.osei@ibstock.example.org",
        ("120398", "Ibstock Place Primary"),
        ("Karen Webb", "head@ibstock.example.org"),
        ["primary"],
        ["school_business_management"],
        5,
        "Leicestershire",
    ),
    (
        FOREST_WAY,
        "Rebecca Lowe",
        "r.lowe@coalville.example.org",
        ("120421", "Coalville Academy"),
        ("Simon Price", "head@coalville.example.org"),
        ["secondary", "post_16"],
        ["science", "assessment", "itt_and_early_career"],
        7,
        "Leicestershire",
    ),
]

REQUESTS: list[dict[str, Any]] = [
    {
        "alliance_id": ODYSSEY,
        "school_name": "Tuffley Primary School",
        "school_urn": "115655",
        "contact_name": "Karen Price",
        "contact_role": "Headteacher",
        "contact_email": "head@tuffley.example.org",
        "contact_phone": "01452 520 001",
        "areas": ["mathematics", "assessment"],
        "phase": "primary",
        "needs": "Our Year 6 maths results fell; we need help to lead a mastery approach.",
        "outcomes": "A maths lead confident to coach colleagues; consistent fluency sessions.",
        "timing": "Spring term",
        "days": 4,
        "funding_source": "own_budget",
        "consent_to_share": True,
    },
    {
        "alliance_id": ODYSSEY,
        "school_name": "Cinderford Community School",
        "school_urn": "115660",
        "contact_name": "Owen Bright",
        "contact_role": "SENCo",
        "contact_email": "senco@cinderford.example.org",
        "contact_phone": "01594 822 100",
        "areas": ["send", "behaviour"],
        "phase": "secondary",
        "needs": "Support to review our SEND provision map and behaviour policy.",
        "outcomes": "An updated provision map and staff trained in de-escalation.",
        "timing": "Before Easter",
        "days": 2.5,
        "funding_source": "local_authority",
        "consent_to_share": True,
    },
    {
        "alliance_id": FOREST_WAY,
        "school_name": "Hinckley Parks Primary",
        "school_urn": "120500",
        "contact_name": "Lucy Grant",
        "contact_role": "Deputy headteacher",
        "contact_email": "deputy@hinckleyparks.example.org",
        "contact_phone": "01455 610 200",
        "areas": ["phonics", "english"],
        "phase": "primary",
        "needs": "A new phonics scheme needs leading well across Reception and Key Stage 1.",
        "outcomes": "Phonics screening check results back above the national average.",
        "timing": "Summer term",
        "days": 3,
        "funding_source": "own_budget",
        "consent_to_share": True,
    },
]


def _coordinator(alliance_id: str) -> Caller:
    return Caller(Principal("demo-coordinator", frozenset({Role.COORDINATOR}), alliance_id))


def next_monday(weeks_ahead: int) -> date:
    """A Monday some weeks from today, so the demo deployment always lies ahead."""
    today = datetime.now(UTC).date()
    return today + timedelta(days=(7 - today.weekday()) % 7 + 7 * weeks_ahead)


async def load_demo_data(runtime: ServiceRuntime) -> None:
    async with runtime.sessions() as session:
        if await repo.list_sles(session, ODYSSEY):
            return
    ctx = build_context(runtime)
    for alliance_id, body in ALLIANCES.items():
        await directory.put_alliance(ctx, alliance_id, AllianceIn.model_validate(body).to_input())
    sles: dict[str, Any] = {}
    for alliance_id, name, email, school, head, phases, areas, days, region in SLES:
        sle = await directory.create_sle(
            ctx,
            alliance_id,
            SleIn(
                name=name,
                email=email,
                home_school_urn=school[0],
                home_school_name=school[1],
                home_head_name=head[0],
                home_head_email=head[1],
                phases=phases,
                specialisms=areas,
                days_available=days,
                region=region,
            ).to_input(),
        )
        sles[name] = sle
    submitted = [
        await requests.submit(ctx, SupportRequestIn.model_validate(r).to_input()) for r in REQUESTS
    ]

    # Tuffley: agreed with Claire Bennett, who has begun (4 of her 12 days reserved).
    tuffley, cinderford, hinckley = (s.id for s in submitted)
    odyssey = _coordinator(ODYSSEY)
    await transitions.triage(ctx, tuffley, odyssey, Triage(priority="high"))
    await transitions.start_matching(ctx, tuffley, odyssey)
    await transitions.propose(ctx, tuffley, odyssey, sles["Claire Bennett"].id)
    for action in (Action.SLE_ACCEPT, Action.SCHOOL_CONFIRM, Action.HOME_RELEASE):
        await transitions.confirm(ctx, tuffley, odyssey, action)
    await deployments.agree(
        ctx,
        tuffley,
        odyssey,
        AgreeIn(
            days=4,
            day_rate_pence=35_000,
            brokerage_fee_percent=10,
            starts_on=next_monday(weeks_ahead=3),
            ends_on=next_monday(weeks_ahead=13) + timedelta(days=4),
        ).to_input(),
    )
    # Cinderford: triaged, waiting for matching. Hinckley: just submitted.
    await transitions.triage(ctx, cinderford, odyssey, Triage(note="LA-funded; Forest of Dean"))
    del hinckley
