"""Staff revoke a request's private school link (JSON). The school asks for a fresh one on a
public page (``web/fresh_link.py``)."""

from uuid import UUID

from fastapi import APIRouter
from pydantic import BaseModel

from services.brokerage.api.deps import Ctx, Staff
from services.brokerage.usecases import school_link
from shared.web.documented import problems

router = APIRouter(prefix="/support-requests", tags=["support requests"])


class LinkRevokedOut(BaseModel):
    request_id: UUID
    reference: str
    generation: int


@router.post(
    "/{request_id}/school-link/revocation",
    summary="Revoke the school's private link: every link it was sent stops working",
    responses=problems(404, 413),
)
async def revoke_school_link(request_id: UUID, principal: Staff, ctx: Ctx) -> LinkRevokedOut:
    revoked = await school_link.revoke(ctx, principal, request_id)
    return LinkRevokedOut(
        request_id=revoked.request_id, reference=revoked.reference, generation=revoked.generation
    )
