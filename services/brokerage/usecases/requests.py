"""A school asks for support: the request is stored and announced in one transaction."""

from datetime import UTC, datetime
from uuid import uuid4

from services.brokerage import repository as repo
from services.brokerage.domain.lifecycle import Status
from services.brokerage.published import request_info
from services.brokerage.usecases.context import Context
from services.brokerage.usecases.models import NewSupportRequest, Submitted
from shared.contracts.brokerage import RequestSubmitted
from shared.errors import Invalid


class UnknownAlliance(Invalid):
    pass


def reference_for(number: int, year: int) -> str:
    return f"SR-{year}-{number:06d}"


async def submit(ctx: Context, new: NewSupportRequest) -> Submitted:
    request_id = uuid4()
    async with ctx.runtime.transaction() as session:
        alliance = await repo.get_alliance(session, new.alliance_id)
        if alliance is None:
            raise UnknownAlliance(
                f"no alliance {new.alliance_id!r} takes requests here",
                errors=[{"field": "alliance_id", "message": "unknown alliance"}],
            )
        number = await repo.next_reference_number(session)
        values = {
            "id": request_id,
            "alliance_id": new.alliance_id,
            "reference": reference_for(number, datetime.now(UTC).year),
            "status": Status.SUBMITTED.value,
            "school_urn": new.school_urn,
            "school_name": new.school_name,
            "contact_name": new.contact_name,
            "contact_role": new.contact_role,
            "contact_email": new.contact_email,
            "contact_phone": new.contact_phone,
            "areas": [a.value for a in new.areas],
            "phase": new.phase.value,
            "needs": new.needs,
            "outcomes": new.outcomes,
            "timing": new.timing,
            "days_requested": new.days,
            "funding_source": new.funding_source.value,
            "consent_to_share": new.consent_to_share,
            "region": alliance["region"],
        }
        await repo.insert_request(session, **values)
        manage = ctx.links.school_url(request_id)
        await ctx.runtime.outbox.add(
            session,
            RequestSubmitted(
                request=request_info(values, alliance, ctx.staff_url(request_id)),
                school_link_sealed=ctx.links.sealed_school_url(request_id),
            ),
        )
    return Submitted(
        id=request_id,
        reference=values["reference"],
        status=values["status"],
        school_manage_url=manage,
    )
