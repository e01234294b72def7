"""Running a course through its use cases on PostgreSQL: change notices, the register, no-show
fees, certificates, evaluations, and nothing cancelled once the course has started."""

import io
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pypdf
import pytest
from pydantic import ValidationError

from services.bookings.usecases import (
    attendance,
    cancellation,
    certificates,
    courses,
    evaluation,
    queries,
)
from services.bookings.usecases.context import BookingsContext
from services.bookings.usecases.inputs import CourseChanges, Evaluation, RegisterMarks
from shared.clock import MovableClock
from shared.errors import Conflict, Forbidden, Invalid, NotFound, Unauthenticated
from shared.identity import Principal, Role
from tests.bookings.conftest import CLOCK
from tests.bookings.course_scene import (
    ADMIN,
    ALLIANCE,
    book,
    ctx,  # noqa: F401  (the fixtures)
    events_named,
    fresh_clock,  # noqa: F401
    lead_of,
    member_school,
    participant,
    published_course,
)

FACILITATOR = Principal(
    "facilitator", frozenset({Role.PARTICIPANT}), ALLIANCE, email="Jo.Bennett@facilitators.example"
)


def two_sessions(days: int = 30) -> list[dict[str, Any]]:
    first = CLOCK.now() + timedelta(days=days)
    return [
        {
            "starts_at": (first + timedelta(days=7 * i)).isoformat(),
            "ends_at": (first + timedelta(days=7 * i, hours=3)).isoformat(),
            "venue": "Odyssey Teaching School, Gloucester",
        }
        for i in range(2)
    ]


def marks(*pairs: tuple[UUID, bool]) -> RegisterMarks:
    return RegisterMarks.model_validate(
        {"marks": [{"booking_id": str(b), "attended": a} for b, a in pairs]}
    )


def pdf_text(pdf: bytes) -> str:
    return " ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)


def move_to(context: BookingsContext, session: dict[str, Any], hours: float) -> None:
    """Move the context's clock to ``hours`` after the session starts."""
    clock = context.clock
    assert isinstance(clock, MovableClock)
    target = datetime.fromisoformat(session["starts_at"]) + timedelta(hours=hours)
    clock.offset += target - clock.now()


async def test_a_change_of_dates_tells_every_live_booking_and_frees_its_cancellation(
    ctx: BookingsContext,  # noqa: F811
) -> None:
    course_id = await published_course(ctx, capacity=2, member_price_pence=10_000)
    urn = await member_school(ctx)
    held = [await book(ctx, course_id, urn) for _ in range(2)]
    waiting = await book(ctx, course_id, urn)
    before = (await queries.get_course(ctx, ADMIN, course_id)).sessions

    closes = (CLOCK.now() + timedelta(days=1)).isoformat()
    moved = CourseChanges.model_validate(
        {"sessions": two_sessions(days=3), "booking_closes_at": closes}
    )
    await courses.change_course(ctx, ADMIN, course_id, moved)

    notices = await events_named(ctx, course_id, "booking_course_changed")
    assert sorted(n["booking"]["booking_id"] for n in notices) == sorted(
        str(b.id) for b in [*held, waiting]
    )
    assert all("sessions" in n["changed_fields"] for n in notices)
    assert notices[0]["previous_sessions"][0]["starts_at"].startswith(
        before[0].starts_at.isoformat()[:16]
    )
    # Three days' notice would cost the full price; after the change it is free.
    cancelled = await cancellation.cancel(ctx, lead_of(urn), held[0].id)
    assert cancelled.fee_pence == 0


async def test_a_change_of_title_only_tells_no_booking(ctx: BookingsContext) -> None:  # noqa: F811
    course_id = await published_course(ctx)
    await book(ctx, course_id, await member_school(ctx))
    await courses.change_course(ctx, ADMIN, course_id, CourseChanges(title="Phonics, again"))
    assert await events_named(ctx, course_id, "booking_course_changed") == []


async def test_nothing_is_cancelled_once_the_first_session_has_started(
    ctx: BookingsContext,  # noqa: F811
) -> None:
    sessions = two_sessions()
    course_id = await published_course(ctx, sessions=sessions)
    urn = await member_school(ctx)
    booking = await book(ctx, course_id, urn)
    move_to(ctx, sessions[0], hours=0)
    with pytest.raises(Conflict, match="first session has started"):
        await cancellation.cancel(ctx, lead_of(urn), booking.id)
    with pytest.raises(Conflict, match="first session has started"):
        await courses.cancel_course(ctx, ADMIN, course_id, "too late")
    assert (await queries.get_booking(ctx, ADMIN, booking.id)).status == "confirmed"


async def test_the_register_settles_bookings_charges_no_shows_and_certifies_attendance(
    ctx: BookingsContext,  # noqa: F811
) -> None:
    sessions = two_sessions()
    course_id = await published_course(
        ctx,
        sessions=sessions,
        member_price_pence=8_000,
        facilitator="Jo Bennett, SLE",
        facilitator_email="jo.bennett@facilitators.example",
    )
    urn = await member_school(ctx)
    full, part, absent = [await book(ctx, course_id, urn) for _ in range(3)]

    with pytest.raises(Conflict, match="opens when the session starts"):
        await attendance.take_register(ctx, FACILITATOR, course_id, 0, marks((full.id, True)))
    move_to(ctx, sessions[0], hours=1)
    taken = await attendance.take_register(
        ctx, FACILITATOR, course_id, 0, marks((full.id, True), (part.id, True), (absent.id, False))
    )
    assert taken == {"session_index": 0, "attended": 2, "absent": 1}
    with pytest.raises(Conflict, match="after the last session"):
        await attendance.complete_course(ctx, ADMIN, course_id)
    move_to(ctx, sessions[1], hours=1)
    await attendance.take_register(
        ctx, ADMIN, course_id, 1, marks((full.id, True), (part.id, False), (absent.id, False))
    )
    move_to(ctx, sessions[1], hours=4)
    assert await attendance.complete_course(ctx, ADMIN, course_id) == 3

    settled = [await queries.get_booking(ctx, ADMIN, b.id) for b in (full, part, absent)]
    assert [(v.status, v.fee_pence) for v in settled] == [
        ("attended", 0),
        ("partly_attended", 0),
        ("no_show", 8_000),
    ]
    concluded = {
        e["booking"]["booking_id"]: e
        for e in await events_named(ctx, course_id, "attendance_concluded")
    }
    assert concluded[str(absent.id)]["fee_pence"] == 8_000
    assert concluded[str(absent.id)]["certificate_url"] is None
    assert concluded[str(part.id)]["hours_attended"] == 3.0
    assert len(await events_named(ctx, course_id, "evaluation_due")) == 2

    url = concluded[str(full.id)]["certificate_url"]
    signature = url.rsplit("sig=", 1)[1]
    text = " ".join(pdf_text(await certificates.certificate(ctx, None, full.id, signature)).split())
    assert "Certificate of attendance" in text and "Sam Teacher" in text
    assert "Phonics for early readers" in text and "Facilitator: Jo Bennett, SLE" in text
    assert "Hours of CPD: 6 hours (2 of 2 sessions)" in text
    assert f"URN {urn}" in text
    part_text = pdf_text(await certificates.certificate(ctx, lead_of(urn), part.id, None))
    assert "attended part of" in part_text and "1 of 2 sessions" in part_text
    with pytest.raises(Conflict):
        await certificates.certificate(ctx, ADMIN, absent.id, None)
    for forged in ("0" * 32, "\U00051460\U00010863\x8d"):  # non-ASCII text is unequal too
        with pytest.raises(Unauthenticated):
            await certificates.certificate(ctx, None, full.id, forged)
    with pytest.raises(NotFound):
        await certificates.certificate(ctx, lead_of(await member_school(ctx)), full.id, None)


async def test_a_register_names_only_confirmed_bookings_of_the_course_and_its_keepers(
    ctx: BookingsContext,  # noqa: F811
) -> None:
    sessions = two_sessions()
    course_id = await published_course(ctx, sessions=sessions, capacity=1)
    urn = await member_school(ctx)
    confirmed = await book(ctx, course_id, urn)
    waiting = await book(ctx, course_id, urn)
    move_to(ctx, sessions[0], hours=1)
    with pytest.raises(Invalid) as refused:
        await attendance.take_register(
            ctx, ADMIN, course_id, 0, marks((confirmed.id, True), (waiting.id, True))
        )
    assert refused.value.errors == [
        {"field": "marks.1.booking_id", "message": "not a confirmed booking on this course"}
    ]
    with pytest.raises(Forbidden):
        await attendance.take_register(ctx, lead_of(urn), course_id, 0, marks((confirmed.id, True)))
    with pytest.raises(Conflict, match="sessions 0 to 1"):
        await attendance.take_register(ctx, ADMIN, course_id, 2, marks((confirmed.id, True)))
    for bad in ([], [{"booking_id": str(confirmed.id), "attended": True}] * 2):
        with pytest.raises(ValidationError):
            RegisterMarks.model_validate({"marks": bad})


async def test_a_sessions_saved_marks_are_read_back_by_its_keepers_only(
    ctx: BookingsContext,  # noqa: F811
) -> None:
    sessions = two_sessions()
    course_id = await published_course(
        ctx, sessions=sessions, facilitator_email="jo.bennett@facilitators.example"
    )
    other_course = await published_course(ctx, sessions=sessions)
    urn = await member_school(ctx)
    came, away = [await book(ctx, course_id, urn) for _ in range(2)]
    elsewhere = await book(ctx, other_course, urn)

    def saved(register: attendance.SessionRegister) -> dict[UUID, bool]:
        return {m.booking_id: m.attended for m in register.marks}

    assert saved(await attendance.session_register(ctx, ADMIN, course_id, 0)) == {}
    move_to(ctx, sessions[0], hours=1)
    await attendance.take_register(ctx, ADMIN, other_course, 0, marks((elsewhere.id, True)))
    await attendance.take_register(
        ctx, ADMIN, course_id, 0, marks((came.id, True), (away.id, True))
    )
    await attendance.take_register(ctx, ADMIN, course_id, 0, marks((away.id, False)))

    read = await attendance.session_register(ctx, FACILITATOR, course_id, 0)
    assert read.session_index == 0
    assert saved(read) == {came.id: True, away.id: False}
    assert saved(await attendance.session_register(ctx, ADMIN, course_id, 1)) == {}
    stranger = Principal("x", frozenset({Role.ALLIANCE_ADMIN}), "another-alliance")
    for outsider in (lead_of(urn), stranger, replace(FACILITATOR, alliance_id="elsewhere")):
        with pytest.raises(Forbidden):
            await attendance.session_register(ctx, outsider, course_id, 0)
    with pytest.raises(NotFound, match="no such session"):
        await attendance.session_register(ctx, ADMIN, course_id, 2)
    with pytest.raises(NotFound, match="no such course"):
        await attendance.session_register(ctx, ADMIN, uuid4(), 0)


async def test_a_free_course_charges_its_late_fee_for_a_no_show(
    ctx: BookingsContext,  # noqa: F811
) -> None:
    sessions = two_sessions()[:1]
    policy = {"bands": [{"max_working_days": 2, "percent": 100}], "late_fee_pence": 2_500}
    course_id = await published_course(
        ctx, sessions=sessions, member_price_pence=0, cancellation_policy=policy
    )
    booking = await book(ctx, course_id, await member_school(ctx))
    move_to(ctx, sessions[0], hours=4)
    await attendance.complete_course(ctx, ADMIN, course_id)
    settled = await queries.get_booking(ctx, ADMIN, booking.id)
    assert (settled.status, settled.fee_pence) == ("no_show", 2_500)


async def test_attendees_evaluate_once_and_the_administrator_sees_a_summary(
    ctx: BookingsContext,  # noqa: F811
) -> None:
    sessions = two_sessions()[:1]
    course_id = await published_course(ctx, sessions=sessions)
    urn = await member_school(ctx)
    a, b, absent = [await book(ctx, course_id, urn) for _ in range(3)]
    move_to(ctx, sessions[0], hours=1)
    await attendance.take_register(
        ctx, ADMIN, course_id, 0, marks((a.id, True), (b.id, True), (absent.id, False))
    )
    move_to(ctx, sessions[0], hours=4)
    await attendance.complete_course(ctx, ADMIN, course_id)

    def me(booking: Any) -> Principal:
        return participant(urn, booking.participant.email)

    await evaluation.evaluate(ctx, me(a), a.id, Evaluation(rating=5, comments="Very practical"))
    await evaluation.evaluate(ctx, me(b), b.id, Evaluation(rating=2))
    with pytest.raises(Conflict, match="already evaluated"):
        await evaluation.evaluate(ctx, me(a), a.id, Evaluation(rating=1))
    with pytest.raises(Conflict):
        await evaluation.evaluate(ctx, me(absent), absent.id, Evaluation(rating=1))
    with pytest.raises(Forbidden):
        await evaluation.evaluate(ctx, lead_of(urn), b.id, Evaluation(rating=1))

    summary = await evaluation.summary(ctx, ADMIN, course_id)
    assert (summary.responses, summary.attendees, summary.average_rating) == (2, 2, 3.5)
    assert summary.ratings == {"1": 0, "2": 1, "3": 0, "4": 0, "5": 1}
    assert [c.comments for c in summary.comments] == ["Very practical"]
    assert len(await events_named(ctx, course_id, "evaluation_submitted")) == 2
    with pytest.raises(Forbidden):
        await evaluation.summary(ctx, lead_of(urn), course_id)
