"""Demo data for `alliance up`: schools, memberships and published courses for two alliances.

Idempotent: does nothing if the demo alliances already have courses.
"""

from datetime import UTC, date, datetime, time, timedelta
from uuid import UUID

from sqlalchemy import func, select

from services.bookings.config import BookingsSettings
from services.bookings.domain.calendar import is_working_day
from services.bookings.domain.staff import StaffRole
from services.bookings.tables import courses as courses_table
from services.bookings.usecases import booking, courses, schools, staff
from services.bookings.usecases.context import BookingsContext
from services.bookings.usecases.inputs import CourseDetails, NewBooking, SchoolDetails
from shared.clock import SystemClock
from shared.identity import Principal, Role
from shared.runtime import ServiceRuntime

ODYSSEY = "odyssey-tsa"
FOREST_WAY = "forest-way-tsa"

# alliance, email, role, name: the people the local identity provider offers (devstack/people.py)
STAFF = [
    (ODYSSEY, "admin@odyssey-tsa.example.org", StaffRole.ADMINISTRATOR, "Alison Grant"),
    (FOREST_WAY, "admin@forest-way-tsa.example.org", StaffRole.ADMINISTRATOR, "Ben Carter"),
    (ODYSSEY, "sle.coordinator@odyssey-tsa.example.org", StaffRole.COORDINATOR, "Rachel Hughes"),
    (FOREST_WAY, "sles@forestway-tsa.example.org", StaffRole.COORDINATOR, "Imran Patel"),
]

SCHOOLS = [
    # urn, name, CPD lead, email, requires approval, alliances
    (
        "115701",
        "Severn Vale Primary School",
        "Helen Marsh",
        "h.marsh@severnvale.example.org",
        False,
        [ODYSSEY],
    ),
    (
        "115722",
        "Kingsholm Church of England Primary",
        "David Okafor",
        "cpd@kingsholm.example.org",
        True,
        [ODYSSEY],
    ),
    (
        "137460",
        "Cotswold Edge Academy",
        "Priya Shah",
        "p.shah@cotswoldedge.example.org",
        False,
        [ODYSSEY, FOREST_WAY],
    ),
    (
        "120287",
        "Coalville Community College",
        "Mark Ellis",
        "m.ellis@coalvillecc.example.org",
        False,
        [FOREST_WAY],
    ),
    (
        "120031",
        "Charnwood Brook Primary School",
        "Sarah Whitfield",
        "cpd@charnwoodbrook.example.org",
        True,
        [FOREST_WAY],
    ),
    ("145873", "Dene Magna Forest School", "Tom Price", "t.price@denemagna.example.org", False, []),
]


def _in_term(day: date) -> bool:
    """A working day outside the Christmas and summer breaks, when courses really run."""
    christmas = (day.month == 12 and day.day >= 19) or (day.month == 1 and day.day <= 4)
    summer = (day.month == 7 and day.day >= 24) or day.month == 8
    return is_working_day(day) and not christmas and not summer


def _term_shift(days: int) -> int:
    """Days to move a course whose first session is ``days`` away so that it falls in term."""
    day = datetime.now(UTC).date() + timedelta(days=days)
    shift = 0
    while not _in_term(day + timedelta(days=shift)):
        shift += 1
    return shift


def _at(days: int, hour: int, minute: int = 0) -> datetime:
    day = datetime.now(UTC).date() + timedelta(days=days)
    return datetime.combine(day, time(hour, minute), tzinfo=UTC)


def _course(
    title: str,
    summary: str,
    strand: str,
    phases: list[str],
    facilitator: str,
    sessions: list[tuple[int, int, int, str]],
    capacity: int,
    member: int,
    non_member: int,
    **extra: object,
) -> CourseDetails:
    shift = _term_shift(sessions[0][0])
    sessions = [(d + shift, h, length, venue) for d, h, length, venue in sessions]
    return CourseDetails.model_validate(
        {
            "title": title,
            "summary": summary,
            "strand": strand,
            "phases": phases,
            "facilitator": facilitator,
            "audience": extra.pop("audience", "Teachers and support staff"),
            "sessions": [
                {"starts_at": _at(d, h), "ends_at": _at(d, h + length), "venue": venue}
                if not venue.startswith("https://")
                else {"starts_at": _at(d, h), "ends_at": _at(d, h + length), "online_url": venue}
                for d, h, length, venue in sessions
            ],
            "capacity": capacity,
            "booking_closes_at": _at(sessions[0][0] - 5, 17),
            "member_price_pence": member,
            "non_member_price_pence": non_member,
            **extra,
        }
    )


def demo_courses() -> dict[str, list[CourseDetails]]:
    return {
        ODYSSEY: [
            _course(
                "Early Career Teachers: behaviour that lets learning happen",
                "Routines, relationships and consistent responses, with planning time",
                "early_career",
                ["primary", "secondary"],
                "Odyssey Teaching School Alliance ECT team",
                [
                    (21, 9, 3, "Odyssey Teaching School, Gloucester"),
                    (49, 9, 3, "Odyssey Teaching School, Gloucester"),
                ],
                24,
                0,
                4_500,
                audience="Early career teachers in their first or second year",
            ),
            _course(
                "Phonics leadership network",
                "Termly network for phonics leads: assessment, catch-up and your scheme.",
                "subject_network",
                ["early_years", "primary"],
                "Jo Bennett, SLE for early reading",
                [(28, 13, 3, "https://meet.example.org/phonics-network")],
                40,
                0,
                0,
                cancellation_policy={
                    "bands": [{"max_working_days": 2, "percent": 100}],
                    "late_fee_pence": 2_500,
                },
            ),
            _course(
                "Middle leadership: leading a team through change",
                "Two days for subject and phase leaders: vision, coaching and holding to account.",
                "leadership_npq",
                ["primary", "secondary", "all_through"],
                "Gloucestershire Teaching School Alliance Network",
                [
                    (35, 9, 6, "Cotswold Edge Academy, Stroud"),
                    (63, 9, 6, "Cotswold Edge Academy, Stroud"),
                ],
                18,
                29_500,
                39_500,
            ),
        ],
        FOREST_WAY: [
            _course(
                "SEND: adaptive teaching in the mainstream classroom",
                "Practical strategies for pupils with SEND: scaffolds, support staff.",
                "send",
                ["primary", "secondary", "special"],
                "Forest Way School outreach team",
                [(24, 9, 6, "Forest Way School, Coalville")],
                30,
                12_000,
                16_000,
            ),
            _course(
                "Research into practice: retrieval and spacing",
                "What the evidence says about memory, and how to build it into your curriculum.",
                "research",
                ["secondary", "post_16"],
                "Forest Way Teaching School Alliance research lead",
                [(42, 15, 2, "https://meet.example.org/research-retrieval")],
                60,
                0,
                2_500,
            ),
        ],
    }


async def load_demo_data(runtime: ServiceRuntime) -> None:
    settings = runtime.settings
    ctx = BookingsContext(
        runtime,
        SystemClock(),
        settings if isinstance(settings, BookingsSettings) else BookingsSettings(),
    )
    async with runtime.sessions() as session:
        existing = await session.scalar(
            select(func.count())
            .select_from(courses_table)
            .where(courses_table.c.alliance_id.in_([ODYSSEY, FOREST_WAY]))
        )
    if existing:
        return
    admins = {
        alliance: Principal(
            subject=f"demo-admin-{alliance}",
            roles=frozenset({Role.ALLIANCE_ADMIN}),
            alliance_id=alliance,
            email=f"admin@{alliance}.example.org",
        )
        for alliance in (ODYSSEY, FOREST_WAY)
    }
    for urn, name, lead, email, approval, alliances in SCHOOLS:
        registrar = admins[alliances[0] if alliances else ODYSSEY]
        body = SchoolDetails(
            name=name, cpd_lead_name=lead, cpd_lead_email=email, requires_approval=approval
        )
        await schools.put_school(ctx, registrar, urn, body)
        for alliance in alliances:
            await schools.add_member(ctx, admins[alliance], alliance, urn)
    published: list[UUID] = []
    for alliance, drafts in demo_courses().items():
        for draft in drafts:
            created = await courses.create_course(ctx, admins[alliance], draft)
            await courses.publish_course(ctx, admins[alliance], created.id)
            published.append(created.id)
    for alliance, email, role, name in STAFF:
        await staff.seed(ctx, alliance, email, role, name)
    # A participant with a booking, so signing in as them shows one.
    lead = Principal(
        "demo-lead-115701", frozenset({Role.SCHOOL_LEAD}), ODYSSEY, "115701",
        "h.marsh@severnvale.example.org",
    )  # fmt: skip
    place = NewBooking.model_validate(
        {
            "school_urn": "115701",
            "participant": {"name": "Amy Lewis", "email": "a.lewis@severnvale.example.org"},
        }
    )
    await booking.create_booking(ctx, lead, published[0], place, "demo-booking-amy-lewis")
    # A participant's request waiting for Kingsholm's CPD lead (the school approves bookings).
    asker = Principal(
        "demo-participant-tom-reid", frozenset({Role.PARTICIPANT}), ODYSSEY, "115722",
        "t.reid@kingsholm.example.org",
    )  # fmt: skip
    request = NewBooking.model_validate(
        {
            "school_urn": "115722",
            "participant": {"name": "Tom Reid", "email": "t.reid@kingsholm.example.org"},
        }
    )
    await booking.create_booking(ctx, asker, published[0], request, "demo-booking-tom-reid")
