"""Who hears of a running deployment, and what they read: a proposed SLE's decline and an
unmatched request reach the school (with its private link); each party's confirmation, the
school's evaluation and overdue visit logs reach the coordinators."""

from datetime import date

import pytest

from services.notifications.domain.recipients import recipients
from shared.contracts import brokerage as r
from shared.contracts.base import EventData
from tests.notifications import factories as f
from tests.notifications.test_rendering import renderer, text_of

PRIVATE = "http://127.0.0.1:8002/support-requests/x/school?token=secret"


def events() -> list[EventData]:
    run = f.tag()
    request, sle = f.request_info(run), f.sle_info(run)
    return [
        r.SleDeclined(request=request, sle=sle, reason="No days left", school_manage_url=PRIVATE),
        r.RequestUnmatched(request=request, reason="No SENCO free", school_manage_url=PRIVATE),
        r.PartyConfirmed(request=request, sle=sle, party="school", awaiting=["home_school"]),
        r.PartyConfirmed(request=request, sle=sle, party="home_school", awaiting=[]),
        r.RequestEvaluated(
            request=request, rating=4, comments="Fluency is up", evaluated_by="school"
        ),
        r.VisitLogOverdue(
            request=request,
            sle=sle,
            deployment=f.deployment(),
            days_delivered=1.5,
            due_on=date(2026, 7, 24),
            working_days=5,
        ),
    ]


def who(data: EventData) -> list[tuple[str, str]]:
    return [(p.kind.value, p.template) for p in recipients(data)]


def test_each_new_fact_reaches_exactly_the_people_it_concerns() -> None:
    declined, unmatched, confirmed, last, evaluated, overdue = events()
    coordinators = [("coordinator", "x")] * 2
    assert who(declined) == [
        ("coordinator", "sle_declined"),
        ("coordinator", "sle_declined"),
        ("school_contact", "sle_declined_school"),
    ]
    assert who(unmatched) == [("school_contact", "request_unmatched")]
    for data, template in (
        (confirmed, "party_confirmed"),
        (last, "party_confirmed"),
        (evaluated, "request_evaluated"),
        (overdue, "visit_log_overdue"),
    ):
        assert who(data) == [(k, template) for k, _ in coordinators]


@pytest.mark.parametrize(
    ("data", "person"),
    [
        pytest.param(data, person, id=f"{type(data).__name__}-{person.kind}")
        for data in events()
        for person in recipients(data)
    ],
)
def test_every_new_message_renders_with_its_facts(data: EventData, person) -> None:
    message = renderer.render(data, person)
    assert message.subject and "\n" not in message.subject
    assert person.name in message.text and "What to do next" in message.text
    assert message.html.count("<h1") == 1 and "{{" not in message.text + message.html
    assert data.request.reference in message.text  # type: ignore[attr-defined]
    private = person.kind.value == "school_contact"
    assert (PRIVATE in message.text) is private
    assert ("token=secret" in message.html) is private


def message(data: EventData, kind: str):
    return renderer.render(data, next(p for p in recipients(data) if p.kind.value == kind))


def test_the_coordinator_reads_who_confirmed_and_who_is_awaited() -> None:
    _, _, confirmed, last, _, _ = events()
    first = message(confirmed, "coordinator")
    assert first.subject.startswith("Forest View Academy has confirmed the SLE")
    assert "Still awaited: home school." in first.text
    assert "All three parties have now confirmed" in message(last, "coordinator").text


def test_the_evaluation_and_the_overdue_logs_state_their_facts() -> None:
    *_, evaluated, overdue = events()
    text = message(evaluated, "coordinator").text
    assert "rated 4 out of 5" in text and "Comments: Fluency is up" in text
    late = message(overdue, "coordinator")
    assert late.subject.startswith("Visit logs overdue")
    assert "Friday 24 July 2026" in text_of(late.html) and "1.5 days" in late.text


def test_the_school_hears_the_sle_declined_without_the_coordinators_instructions() -> None:
    declined, unmatched, *_ = events()
    school = message(declined, "school_contact")
    assert "looking for another SLE" in school.text and "shortlist" not in school.text
    closed = message(unmatched, "school_contact")
    assert "now closed" in closed.text and "No SENCO free" in closed.text
