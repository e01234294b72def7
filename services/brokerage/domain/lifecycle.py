"""The lifecycle of a support request: a pure state machine with who may do what.

submitted -> triaged -> matching -> proposed -> accepted -> agreed -> active -> completed
-> evaluated. While ``proposed``, three confirmations gather (the SLE accepts, the school
confirms, the home school releases) in any order; the request becomes ``accepted`` when all
three hold. An SLE's decline sends the request back to ``matching``. Exits: ``withdrawn`` (the
school, or a coordinator recording it for them), ``cancelled`` (a coordinator), ``unmatched``
(a coordinator: no SLE can be found).
"""

from dataclasses import dataclass
from enum import StrEnum


class Status(StrEnum):
    SUBMITTED = "submitted"
    TRIAGED = "triaged"
    MATCHING = "matching"
    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    AGREED = "agreed"
    ACTIVE = "active"
    COMPLETED = "completed"
    EVALUATED = "evaluated"
    WITHDRAWN = "withdrawn"
    CANCELLED = "cancelled"
    UNMATCHED = "unmatched"


class Action(StrEnum):
    TRIAGE = "triage"
    START_MATCHING = "start_matching"
    PROPOSE = "propose"
    SLE_ACCEPT = "sle_accept"
    SLE_DECLINE = "sle_decline"
    SCHOOL_CONFIRM = "school_confirm"
    HOME_RELEASE = "home_release"
    AGREE = "agree"
    LOG_VISIT = "log_visit"
    COMPLETE = "complete"
    EVALUATE = "evaluate"
    WITHDRAW = "withdraw"
    CANCEL = "cancel"
    MARK_UNMATCHED = "mark_unmatched"


class Actor(StrEnum):
    COORDINATOR = "coordinator"
    SCHOOL = "school"
    SLE = "sle"
    HOME_SCHOOL = "home_school"


class Confirmation(StrEnum):
    SLE_ACCEPTED = "sle_accepted"
    SCHOOL_CONFIRMED = "school_confirmed"
    HOME_RELEASED = "home_released"


ALL_CONFIRMATIONS = frozenset(Confirmation)

OPEN = frozenset(
    {
        Status.SUBMITTED,
        Status.TRIAGED,
        Status.MATCHING,
        Status.PROPOSED,
        Status.ACCEPTED,
        Status.AGREED,
        Status.ACTIVE,
    }
)
C, SCH, SLE, HOME = Actor.COORDINATOR, Actor.SCHOOL, Actor.SLE, Actor.HOME_SCHOOL

# action -> (states it may start from, the state it leads to, who may do it).
# ``None`` as the target means "stays in the same state" (confirmations gather, visits add up).
TRANSITIONS: dict[Action, tuple[frozenset[Status], Status | None, frozenset[Actor]]] = {
    Action.TRIAGE: (frozenset({Status.SUBMITTED}), Status.TRIAGED, frozenset({C})),
    Action.START_MATCHING: (frozenset({Status.TRIAGED}), Status.MATCHING, frozenset({C})),
    Action.PROPOSE: (frozenset({Status.MATCHING}), Status.PROPOSED, frozenset({C})),
    Action.SLE_ACCEPT: (frozenset({Status.PROPOSED}), None, frozenset({SLE, C})),
    Action.SLE_DECLINE: (frozenset({Status.PROPOSED}), Status.MATCHING, frozenset({SLE, C})),
    Action.SCHOOL_CONFIRM: (frozenset({Status.PROPOSED}), None, frozenset({SCH, C})),
    Action.HOME_RELEASE: (frozenset({Status.PROPOSED}), None, frozenset({HOME, C})),
    Action.AGREE: (frozenset({Status.ACCEPTED}), Status.AGREED, frozenset({C})),
    Action.LOG_VISIT: (
        frozenset({Status.AGREED, Status.ACTIVE}),
        Status.ACTIVE,
        frozenset({SLE, C}),
    ),
    Action.COMPLETE: (frozenset({Status.ACTIVE}), Status.COMPLETED, frozenset({C})),
    Action.EVALUATE: (frozenset({Status.COMPLETED}), Status.EVALUATED, frozenset({C, SCH})),
    Action.WITHDRAW: (OPEN, Status.WITHDRAWN, frozenset({SCH, C})),
    Action.CANCEL: (OPEN, Status.CANCELLED, frozenset({C})),
    Action.MARK_UNMATCHED: (frozenset({Status.MATCHING}), Status.UNMATCHED, frozenset({C})),
}

CONFIRMS: dict[Action, Confirmation] = {
    Action.SLE_ACCEPT: Confirmation.SLE_ACCEPTED,
    Action.SCHOOL_CONFIRM: Confirmation.SCHOOL_CONFIRMED,
    Action.HOME_RELEASE: Confirmation.HOME_RELEASED,
}


class IllegalTransition(Exception):
    """The action cannot happen in the request's current state."""

    def __init__(self, action: Action, current: Status, detail: str | None = None) -> None:
        self.action = action
        self.current = current
        super().__init__(
            detail or f"cannot {action.value.replace('_', ' ')} a request that is {current.value}"
        )


class NotAllowed(Exception):
    """This actor may not take this action."""

    def __init__(self, action: Action, actor: Actor) -> None:
        self.action = action
        self.actor = actor
        super().__init__(
            f"{actor.value.replace('_', ' ')} may not {action.value.replace('_', ' ')}"
        )


@dataclass(frozen=True)
class RequestState:
    status: Status
    confirmations: frozenset[Confirmation] = frozenset()


@dataclass(frozen=True)
class Outcome:
    state: RequestState
    # True when this action completed the three confirmations: the request is now accepted.
    became_accepted: bool = False


def allowed_actions(status: Status) -> list[Action]:
    return [a for a, (sources, _, _) in TRANSITIONS.items() if status in sources]


def apply(state: RequestState, action: Action, actor: Actor) -> Outcome:
    """The state after ``actor`` takes ``action``, or an error saying why it cannot happen."""
    sources, target, actors = TRANSITIONS[action]
    if actor not in actors:
        raise NotAllowed(action, actor)
    if state.status not in sources:
        raise IllegalTransition(action, state.status)
    confirmation = CONFIRMS.get(action)
    if confirmation is not None:
        if confirmation in state.confirmations:
            raise IllegalTransition(
                action,
                state.status,
                f"already recorded: {confirmation.value.replace('_', ' ')} "
                f"(the request is {state.status.value})",
            )
        gathered = state.confirmations | {confirmation}
        if gathered == ALL_CONFIRMATIONS:
            return Outcome(RequestState(Status.ACCEPTED, gathered), became_accepted=True)
        return Outcome(RequestState(state.status, gathered))
    if action in (Action.SLE_DECLINE, Action.PROPOSE):
        # A new proposal starts its confirmations afresh.
        assert target is not None
        return Outcome(RequestState(target))
    assert target is not None
    return Outcome(RequestState(target, state.confirmations))
