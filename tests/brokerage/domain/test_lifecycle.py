"""The request lifecycle as a pure state machine: every legal and every illegal transition."""

import itertools

import pytest

from services.brokerage.domain.lifecycle import (
    ALL_CONFIRMATIONS,
    OPEN,
    TRANSITIONS,
    Action,
    Actor,
    Confirmation,
    IllegalTransition,
    NotAllowed,
    RequestState,
    Status,
    allowed_actions,
    apply,
)

HAPPY_PATH = [
    (Action.TRIAGE, Actor.COORDINATOR, Status.TRIAGED),
    (Action.START_MATCHING, Actor.COORDINATOR, Status.MATCHING),
    (Action.PROPOSE, Actor.COORDINATOR, Status.PROPOSED),
    (Action.SLE_ACCEPT, Actor.SLE, Status.PROPOSED),
    (Action.SCHOOL_CONFIRM, Actor.SCHOOL, Status.PROPOSED),
    (Action.HOME_RELEASE, Actor.HOME_SCHOOL, Status.ACCEPTED),
    (Action.AGREE, Actor.COORDINATOR, Status.AGREED),
    (Action.LOG_VISIT, Actor.SLE, Status.ACTIVE),
    (Action.LOG_VISIT, Actor.SLE, Status.ACTIVE),
    (Action.COMPLETE, Actor.COORDINATOR, Status.COMPLETED),
    (Action.EVALUATE, Actor.SCHOOL, Status.EVALUATED),
]


def _allowed_actor(action: Action) -> Actor:
    return sorted(TRANSITIONS[action][2])[0]


def test_the_happy_path_reaches_evaluated() -> None:
    state = RequestState(Status.SUBMITTED)
    for action, actor, expected in HAPPY_PATH:
        state = apply(state, action, actor).state
        assert state.status is expected, action


@pytest.mark.parametrize("order", list(itertools.permutations(list(Confirmation))))
def test_accepted_only_when_all_three_confirmations_hold_in_any_order(
    order: tuple[Confirmation, ...],
) -> None:
    by_confirmation = {
        Confirmation.SLE_ACCEPTED: (Action.SLE_ACCEPT, Actor.SLE),
        Confirmation.SCHOOL_CONFIRMED: (Action.SCHOOL_CONFIRM, Actor.SCHOOL),
        Confirmation.HOME_RELEASED: (Action.HOME_RELEASE, Actor.HOME_SCHOOL),
    }
    state = RequestState(Status.PROPOSED)
    for i, confirmation in enumerate(order):
        outcome = apply(state, *by_confirmation[confirmation])
        state = outcome.state
        last = i == len(order) - 1
        assert outcome.became_accepted is last
        assert state.status is (Status.ACCEPTED if last else Status.PROPOSED)
    assert state.confirmations == ALL_CONFIRMATIONS


def test_a_confirmation_cannot_be_given_twice() -> None:
    state = apply(RequestState(Status.PROPOSED), Action.SLE_ACCEPT, Actor.SLE).state
    with pytest.raises(IllegalTransition, match=r"already recorded.*proposed"):
        apply(state, Action.SLE_ACCEPT, Actor.SLE)


def test_a_decline_goes_back_to_matching_and_forgets_confirmations() -> None:
    state = RequestState(Status.PROPOSED, frozenset({Confirmation.SCHOOL_CONFIRMED}))
    after = apply(state, Action.SLE_DECLINE, Actor.SLE).state
    assert after == RequestState(Status.MATCHING)
    again = apply(after, Action.PROPOSE, Actor.COORDINATOR).state
    assert again == RequestState(Status.PROPOSED)


@pytest.mark.parametrize("status", sorted(OPEN))
@pytest.mark.parametrize(
    ("action", "actor", "target"),
    [
        (Action.WITHDRAW, Actor.SCHOOL, Status.WITHDRAWN),
        (Action.WITHDRAW, Actor.COORDINATOR, Status.WITHDRAWN),
        (Action.CANCEL, Actor.COORDINATOR, Status.CANCELLED),
    ],
)
def test_every_open_request_can_be_withdrawn_or_cancelled(
    status: Status, action: Action, actor: Actor, target: Status
) -> None:
    assert apply(RequestState(status), action, actor).state.status is target


def test_matching_can_end_unmatched() -> None:
    outcome = apply(RequestState(Status.MATCHING), Action.MARK_UNMATCHED, Actor.COORDINATOR)
    assert outcome.state.status is Status.UNMATCHED


ILLEGAL = [
    (status, action)
    for status in Status
    for action in Action
    if status not in TRANSITIONS[action][0]
]


@pytest.mark.parametrize(("status", "action"), ILLEGAL)
def test_every_illegal_transition_names_the_current_state(status: Status, action: Action) -> None:
    with pytest.raises(IllegalTransition) as raised:
        apply(RequestState(status), action, _allowed_actor(action))
    assert raised.value.current is status
    assert status.value in str(raised.value)


def test_the_illegal_list_is_not_empty_and_covers_terminal_states() -> None:
    for terminal in (Status.WITHDRAWN, Status.CANCELLED, Status.UNMATCHED, Status.EVALUATED):
        assert allowed_actions(terminal) == []
    assert len(ILLEGAL) > 100


FORBIDDEN = [
    (action, actor) for action in Action for actor in Actor if actor not in TRANSITIONS[action][2]
]


@pytest.mark.parametrize(("action", "actor"), FORBIDDEN)
def test_only_the_named_actors_may_act(action: Action, actor: Actor) -> None:
    start = sorted(TRANSITIONS[action][0])[0]
    with pytest.raises(NotAllowed):
        apply(RequestState(start), action, actor)


def test_who_may_do_what() -> None:
    assert TRANSITIONS[Action.CANCEL][2] == {Actor.COORDINATOR}
    assert Actor.SCHOOL in TRANSITIONS[Action.WITHDRAW][2]
    assert Actor.SLE in TRANSITIONS[Action.SLE_DECLINE][2]
    assert Actor.HOME_SCHOOL in TRANSITIONS[Action.HOME_RELEASE][2]
    assert Actor.SLE not in TRANSITIONS[Action.AGREE][2]
