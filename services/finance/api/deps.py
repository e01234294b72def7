"""What the finance routers ask FastAPI for: the use cases' context and who is calling."""

from datetime import date
from typing import Annotated

from fastapi import Depends, Query, Request

from services.finance.usecases.context import FinanceContext
from shared.identity import Principal, Role
from shared.web.auth import require_roles
from shared.web.documented import documents


@documents(503)
def context_of(request: Request) -> FinanceContext:
    ctx: FinanceContext = request.app.state.finance
    return ctx


Ctx = Annotated[FinanceContext, Depends(context_of)]
Admin = Annotated[Principal, Depends(require_roles(Role.ALLIANCE_ADMIN))]
Reader = Annotated[Principal, Depends(require_roles(Role.ALLIANCE_ADMIN, Role.SCHOOL_LEAD))]
From = Annotated[date, Query(alias="from", description="The period's first day")]
To = Annotated[date, Query(alias="to", description="The period's last day (included)")]
