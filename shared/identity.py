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
