"""Pages answer a refusal with a page, not JSON: a route class for the participant's and the
CPD lead's routers that renders a use case's refusal (and an unreadable address or form) in the
layout, with the status the API would give."""

from collections.abc import Awaitable, Callable
from urllib.parse import quote

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute

from services.bookings.web.pages import render
from shared.errors import DomainError, Invalid, NotFound, Unauthenticated
from shared.web.problems import status_of
from shared.web.signin import here

TITLES = {
    401: "Sign in again",
    403: "You cannot do this",
    404: "Page not found",
    409: "This cannot be done now",
    422: "The form could not be read",
}


def refusal_page(request: Request, problem: DomainError) -> Response:
    status = status_of(problem)
    signin = None
    if isinstance(problem, Unauthenticated):
        signin = f"/signin?next={quote(here(request), safe='/')}"
    return render(
        request,
        "refused.html",
        status=status,
        heading=TITLES.get(status, "Something is not right"),
        detail=problem.detail,
        signin=signin,
    )


def unreadable(exc: RequestValidationError) -> DomainError:
    if any(error.get("loc", ("",))[0] == "path" for error in exc.errors()):
        return NotFound("there is no such page: check the address")
    return Invalid("the form could not be read: go back, reload the page and try again")


class PageRoute(APIRoute):
    """A route whose refusals are pages."""

    def get_route_handler(self) -> Callable[[Request], Awaitable[Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                return await handler(request)
            except DomainError as problem:
                return refusal_page(request, problem)
            except RequestValidationError as exc:
                return refusal_page(request, unreadable(exc))

        return route
