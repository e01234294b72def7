"""Pages for personal-data requests: ask to erase or export what Alliance holds about an email
address (an administrator for anyone, anyone for themselves), and see each request's progress.
The same use cases as the JSON API (``api/personal_data.py``), whose export link they give."""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from services.bookings.api.deps import Ctx
from services.bookings.usecases import personal_data as uc
from services.bookings.usecases.personal_data import PersonalDataRequestIn
from services.bookings.web.pages import csrf_of, render
from shared.errors import DomainError
from shared.identity import Identity, Principal
from shared.web.problems import status_of
from shared.web.signin import SignedIn

router = APIRouter(include_in_schema=False)

KINDS = {
    "erasure": "Erase it: names and addresses are removed everywhere (bookings, fees and "
    "counts stay)",
    "access": "Export it: one JSON document of what each service holds (subject access)",
}


def hats_of(identity: Identity) -> list[Principal]:
    person = identity.person
    themselves = Principal(person.subject, frozenset(), "", email=person.email.lower())
    return [*identity.principals, themselves]


async def _page(
    request: Request,
    ctx: Ctx,
    identity: Identity,
    form: dict[str, str],
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    requests = await uc.listing(ctx, hats_of(identity))
    return render(
        request,
        "personal_data.html",
        status=status,
        identity=identity,
        requests=requests,
        kinds=KINDS,
        form=form,
        errors=errors,
    )


@router.get("/personal-data", response_class=HTMLResponse)
async def personal_data_page(request: Request, ctx: Ctx, identity: SignedIn) -> HTMLResponse:
    return await _page(request, ctx, identity, {"email": "", "kind": ""})


@router.post("/personal-data", response_class=HTMLResponse)
async def ask(
    request: Request,
    ctx: Ctx,
    identity: SignedIn,
    csrf_token: Annotated[str, Form(max_length=200)] = "",
    kind: Annotated[str, Form(max_length=20)] = "",
    email: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    csrf_of(request).check(request, csrf_token)
    form = {"email": email, "kind": kind}
    errors: dict[str, str] = {}
    try:
        body = PersonalDataRequestIn.model_validate({"kind": kind, "email": email.strip()})
    except ValidationError as exc:
        for error in exc.errors():
            if error["loc"][0] == "kind":
                errors.setdefault("kind", "Choose whether to erase or to export the data")
            else:
                errors.setdefault(
                    "email", "Enter an email address in the correct format, like name@example.org"
                )
        return await _page(request, ctx, identity, form, errors, 422)
    try:
        made = await uc.ask(ctx, hats_of(identity), body)
    except DomainError as problem:
        return await _page(
            request, ctx, identity, form, {"email": problem.detail}, status_of(problem)
        )
    return RedirectResponse(f"/personal-data/{made.id}", status_code=303)


@router.get("/personal-data/{request_id}", response_class=HTMLResponse)
async def request_page(
    request: Request, ctx: Ctx, identity: SignedIn, request_id: UUID
) -> HTMLResponse:
    view = await uc.status(ctx, hats_of(identity), request_id)
    return render(request, "personal_data_request.html", identity=identity, item=view, kinds=KINDS)
