"""Alliance staff: who administers an alliance and who coordinates it. Pure rules."""

from enum import StrEnum

from shared.errors import Conflict
from shared.identity import Role


class StaffRole(StrEnum):
    ADMINISTRATOR = "administrator"
    COORDINATOR = "coordinator"

    @property
    def role(self) -> Role:
        return Role.ALLIANCE_ADMIN if self is StaffRole.ADMINISTRATOR else Role.COORDINATOR


def check_keeps_an_administrator(
    administrators: set[str], email: str, new_role: StaffRole | None
) -> None:
    """Refuse a change that would leave the alliance with no administrator.

    ``administrators`` are the alliance's administrators now; ``new_role`` None is a removal.
    """
    if email not in administrators or new_role is StaffRole.ADMINISTRATOR:
        return
    if administrators == {email}:
        raise Conflict(
            "an alliance keeps at least one administrator: appoint another one first",
            title="Last administrator",
        )
