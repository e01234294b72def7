"""Who is acting on a support request, and as which party of the lifecycle."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from services.brokerage.domain.lifecycle import TRANSITIONS, Action, Actor
from shared.errors import Forbidden, NotFound, Unauthenticated
from shared.identity import Principal, Role

STAFF = (Role.COORDINATOR, Role.ALLIANCE_ADMIN)


@dataclass(frozen=True)
class Caller:
    principal: Principal | None
    # True when the caller showed the school's secret for this very request.
    school: bool = False
    # True when the caller showed a school secret at all, right or wrong.
    tried_school_link: bool = False


def is_staff_of(principal: Principal | None, alliance_id: str) -> bool:
    return principal is not None and principal.has(*STAFF) and principal.alliance_id == alliance_id


def is_the_sle(principal: Principal, sle: Mapping[str, Any]) -> bool:
    if not principal.has(Role.SLE) or principal.alliance_id != sle["alliance_id"]:
        return False
    by_email = bool(principal.email) and principal.email.lower() == sle["email"].lower()
    return by_email or principal.subject == str(sle["id"])


def is_home_head(principal: Principal, sle: Mapping[str, Any]) -> bool:
    return (
        principal.has(Role.SCHOOL_LEAD)
        and principal.alliance_id == sle["alliance_id"]
        and principal.school_urn == sle["home_school_urn"]
    )


def identities(
    caller: Caller, request: Mapping[str, Any], sle: Mapping[str, Any] | None
) -> set[Actor]:
    found: set[Actor] = set()
    if caller.school:
        found.add(Actor.SCHOOL)
    principal = caller.principal
    if principal is None:
        return found
    if is_staff_of(principal, request["alliance_id"]):
        found.add(Actor.COORDINATOR)
    if sle is not None and is_the_sle(principal, sle):
        found.add(Actor.SLE)
    if sle is not None and is_home_head(principal, sle):
        found.add(Actor.HOME_SCHOOL)
    return found


def resolve(
    caller: Caller, request: Mapping[str, Any], sle: Mapping[str, Any] | None, action: Action
) -> Actor:
    """The party ``caller`` acts as for ``action``; 401/403/404 when they are none of them."""
    mine = identities(caller, request, sle)
    if not mine:
        if caller.principal is None and caller.tried_school_link:
            raise Forbidden("this link is not valid for this support request")
        if caller.principal is None:
            raise Unauthenticated("sign in, or use the link the school was sent")
        if caller.principal.alliance_id != request["alliance_id"]:
            raise NotFound("no such support request")
        raise Forbidden("you are not a party to this support request")
    allowed = TRANSITIONS[action][2]
    for actor in (Actor.SCHOOL, Actor.SLE, Actor.HOME_SCHOOL, Actor.COORDINATOR):
        if actor in mine and actor in allowed:
            return actor
    return sorted(mine)[0]
