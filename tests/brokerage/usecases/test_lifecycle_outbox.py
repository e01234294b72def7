"""The lifecycle through its use cases: each step's state, the days it reserves or gives back,
and the event it leaves in the outbox in the same transaction; a refused step leaves nothing."""

from datetime import date

import pytest

from services.brokerage.domain.lifecycle import Action
from services.brokerage.usecases import deployments, directory, reading, requests, transitions
from services.brokerage.usecases.access import Caller
from services.brokerage.usecases.models import Evaluation, NewSupportRequest, Triage, Visit
from shared.errors import Conflict, Forbidden, Invalid, NotFound, Unauthenticated
from shared.identity import Principal, Role
from tests.brokerage.usecases.scene import AGREEMENT, REQUEST, Scene


async def test_a_submission_is_stored_and_announced_with_the_schools_link(scene: Scene) -> None:
    await scene.alliance()
    submitted = await scene.submit()
    assert submitted.status == "submitted"
    token = submitted.school_manage_url.split("token=", 1)[1]
    assert scene.ctx.links.is_valid(submitted.id, token)
    assert not scene.ctx.links.is_valid(submitted.id, token[:-1] + "x")
    [(kind, payload)] = await scene.events(submitted.id)
    assert kind == "request_submitted"
    assert payload["school_manage_url"] is None
    assert "token=" not in str(payload)
    assert payload["request"]["reference"] == submitted.reference
    assert payload["request"]["coordinators"][0]["email"] == "cora@tsa.example.org"
    shown = await reading.for_school(scene.ctx, submitted.id, token)
    assert shown.reference == submitted.reference and shown.allowed_actions
    for wrong in (None, "", "guess", "ünïcödé", token[:-1]):
        with pytest.raises(NotFound):
            await reading.for_school(scene.ctx, submitted.id, wrong)


async def test_a_request_to_an_unknown_alliance_names_the_field(scene: Scene) -> None:
    with pytest.raises(Invalid) as refused:
        await requests.submit(
            scene.ctx, NewSupportRequest(**{**REQUEST.__dict__, "alliance_id": "nope"})
        )
    assert refused.value.errors == [{"field": "alliance_id", "message": "unknown alliance"}]


async def test_the_whole_way_to_evaluated(scene: Scene) -> None:
    await scene.alliance()
    sle = await scene.sle(days=10)
    rid = (await scene.submit()).id
    accepted = await scene.to_accepted(rid, sle)
    assert accepted.status == "accepted" and accepted.proposal is not None
    agreed = await deployments.agree(scene.ctx, rid, scene.coordinator, AGREEMENT)
    assert agreed.status == "agreed" and agreed.deployment is not None
    assert agreed.deployment.brokerage_fee_pence == 10_500  # 10% of 3 days at GBP 350
    assert (await directory.get_sle(scene.ctx, scene.alliance_id, sle.id)).days_left == 7
    visit = Visit(visit_date=date(2026, 2, 2), days=1, summary="Planning with the maths lead")
    active = await deployments.log_visit(scene.ctx, rid, scene.sle_caller(sle), visit)
    assert active.status == "active" and len(active.visits) == 1
    completed = await deployments.complete(scene.ctx, rid, scene.coordinator)
    assert completed.deployment is not None and completed.deployment.days_released == 2
    assert (await directory.get_sle(scene.ctx, scene.alliance_id, sle.id)).days_left == 9
    done = await transitions.evaluate(scene.ctx, rid, scene.school, Evaluation(5, "Superb"))
    assert done.status == "evaluated" and done.rating == 5 and done.allowed_actions == []
    kinds = [kind for kind, _ in await scene.events(rid)]
    assert kinds == [
        "request_submitted",
        "request_triaged",
        "sle_proposed",
        "party_confirmed",
        "party_confirmed",
        "party_confirmed",
        "sle_accepted",
        "deployment_agreed",
        "visit_logged",
        "request_completed",
        "deployment_settled",
        "request_evaluated",
    ]


async def test_a_refused_step_changes_nothing_and_announces_nothing(scene: Scene) -> None:
    await scene.alliance()
    sle = await scene.sle()
    rid = (await scene.submit()).id
    with pytest.raises(Conflict) as illegal:
        await transitions.propose(scene.ctx, rid, scene.coordinator, sle.id)
    assert illegal.value.extra["current_status"] == "submitted"
    with pytest.raises(Forbidden):  # an SLE of the alliance is no party to it yet
        await transitions.triage(scene.ctx, rid, scene.sle_caller(sle), Triage())
    with pytest.raises(Unauthenticated):
        await transitions.triage(scene.ctx, rid, Caller(None), Triage())
    with pytest.raises(Forbidden):
        await transitions.end(scene.ctx, rid, Caller(None, False, True), Action.WITHDRAW, None)
    stranger = Principal("x", frozenset({Role.COORDINATOR}), "another-alliance")
    with pytest.raises(NotFound):
        await transitions.triage(scene.ctx, rid, Caller(stranger), Triage())
    shown = await reading.get(scene.ctx, rid, scene.alliance_id)
    assert shown.status == "submitted" and shown.priority is None
    assert [kind for kind, _ in await scene.events(rid)] == ["request_submitted"]


async def test_days_are_never_over_committed(scene: Scene) -> None:
    await scene.alliance()
    sle = await scene.sle(days=3)
    first, second = (await scene.submit()).id, (await scene.submit(days=2)).id
    await scene.to_accepted(first, sle)
    await scene.to_accepted(second, sle)
    await deployments.agree(scene.ctx, first, scene.coordinator, AGREEMENT)
    with pytest.raises(Conflict) as short:
        await deployments.agree(scene.ctx, second, scene.coordinator, AGREEMENT)
    assert short.value.title == "Not enough days" and short.value.extra["days_left"] == 0
    shown = await reading.get(scene.ctx, second, scene.alliance_id)
    assert shown.status == "accepted" and shown.deployment is None
    assert "deployment_agreed" not in [kind for kind, _ in await scene.events(second)]


async def test_terms_that_make_no_sense_are_invalid_before_anything_is_locked(
    scene: Scene,
) -> None:
    await scene.alliance()
    sle = await scene.sle()
    rid = (await scene.submit()).id
    await scene.to_accepted(rid, sle)
    backwards = AGREEMENT.__class__(
        **{**AGREEMENT.__dict__, "starts_on": date(2026, 3, 1), "ends_on": date(2026, 2, 1)}
    )
    with pytest.raises(Invalid):
        await deployments.agree(scene.ctx, rid, scene.coordinator, backwards)
    assert (await reading.get(scene.ctx, rid, scene.alliance_id)).status == "accepted"


async def test_a_decline_goes_back_to_matching_without_that_sle(scene: Scene) -> None:
    await scene.alliance()
    sle, other = await scene.sle("Nia Link"), await scene.sle("Oli Other")
    rid = (await scene.submit()).id
    await transitions.triage(scene.ctx, rid, scene.coordinator, Triage(priority="high"))
    await transitions.start_matching(scene.ctx, rid, scene.coordinator)
    await transitions.propose(scene.ctx, rid, scene.coordinator, sle.id)
    back = await transitions.decline(scene.ctx, rid, scene.sle_caller(sle), "Fully booked")
    assert back.status == "matching" and back.declined_sle_ids == [sle.id]
    ranked = await reading.shortlist_for(scene.ctx, rid, scene.alliance_id)
    assert [e.sle_id for e in ranked.entries] == [other.id]
    with pytest.raises(Conflict):
        await transitions.propose(scene.ctx, rid, scene.coordinator, sle.id)
    events = await scene.events(rid)
    assert events[-1][0] == "sle_declined" and events[-1][1]["reason"] == "Fully booked"


async def test_withdrawing_gives_back_the_days_not_delivered(scene: Scene) -> None:
    await scene.alliance()
    sle = await scene.sle(days=5)
    rid = (await scene.submit()).id
    await scene.to_active(rid, sle)
    withdrawn = await transitions.end(scene.ctx, rid, scene.school, Action.WITHDRAW, "Budget")
    assert withdrawn.status == "withdrawn" and withdrawn.exit_reason == "Budget"
    assert (await directory.get_sle(scene.ctx, scene.alliance_id, sle.id)).days_left == 4
    (kind, payload), (settled, money) = (await scene.events(rid))[-2:]
    assert kind == "request_withdrawn" and payload["days_released"] == 2
    assert settled == "deployment_settled" and money["outcome"] == "withdrawn"
