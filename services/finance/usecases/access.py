"""Who may see what: an alliance's administrators see all its money; a school's CPD lead (or
its finance contact) sees that school's statement and invoices; nobody sees another alliance's."""

from shared.errors import Forbidden, NotFound
from shared.identity import Principal, Role


def require_admin(principal: Principal, alliance_id: str) -> None:
    if not principal.has(Role.ALLIANCE_ADMIN):
        raise Forbidden("only the alliance's administrators may do this")
    if principal.alliance_id != alliance_id:
        raise NotFound("no such alliance")


def require_school_reader(principal: Principal, alliance_id: str, urn: str) -> None:
    if principal.alliance_id != alliance_id:
        raise NotFound("no such alliance")
    if principal.has(Role.ALLIANCE_ADMIN):
        return
    if principal.has(Role.SCHOOL_LEAD) and principal.school_urn == urn:
        return
    raise Forbidden("only the alliance's administrators and the school's CPD lead may see this")
