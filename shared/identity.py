"""Who is asking: the identity every use case takes, whatever carried it (a token, a session)."""

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    ALLIANCE_ADMIN = "alliance_admin"
    COORDINATOR = "coordinator"
    SCHOOL_LEAD = "school_lead"
    PARTICIPANT = "participant"
    SLE = "sle"


@dataclass(frozen=True)
class Principal:
    subject: str
    roles: frozenset[Role]
    alliance_id: str
    school_urn: str | None = None
    email: str | None = None

    def has(self, *roles: Role) -> bool:
        return bool(self.roles.intersection(roles))


@dataclass(frozen=True)
class Person:
    """Who signed in, as the identity provider says it: nothing about what they may do."""

    subject: str
    email: str
    name: str


@dataclass(frozen=True)
class Identity:
    """A signed-in person and every hat they wear in one service's data.

    One person can be, say, an administrator of one alliance and the CPD lead of a school: each
    hat is a ``Principal`` (one alliance, the roles held there), so use cases keep taking one.
    """

    person: Person
    principals: tuple[Principal, ...] = ()

    def acting_as(
        self, *roles: Role, alliance_id: str | None = None, school_urn: str | None = None
    ) -> Principal | None:
        """The first hat with one of ``roles`` (for that alliance or school, if given)."""
        for principal in self.principals:
            if roles and not principal.has(*roles):
                continue
            if alliance_id is not None and principal.alliance_id != alliance_id:
                continue
            if school_urn is not None and principal.school_urn != school_urn:
                continue
            return principal
        return None

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(role for p in self.principals for role in p.roles)
