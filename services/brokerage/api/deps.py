"""What the brokerage routers ask FastAPI for: the use cases' context and who is calling."""

from typing import Annotated

from fastapi import Depends, Request

from services.brokerage.usecases.context import Context
from shared.identity import Principal, Role
from shared.web.auth import optional_principal, require_roles
from shared.web.documented import documents


@documents(503)
def context_of(request: Request) -> Context:
    return request.app.state.context


Ctx = Annotated[Context, Depends(context_of)]
Admin = Annotated[Principal, Depends(require_roles(Role.ALLIANCE_ADMIN))]
Staff = Annotated[Principal, Depends(require_roles(Role.ALLIANCE_ADMIN, Role.COORDINATOR))]
Who = Annotated[Principal | None, Depends(optional_principal)]
