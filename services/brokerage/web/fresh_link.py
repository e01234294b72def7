"""The public page where a school asks for a fresh private link: it gives its request's
reference and contact email; if they match, a new link goes to that email (and every older
link stops working). The answer is the same whether or not they matched, so the page tells
nobody which references exist; posts are rate limited per client address."""

import re

from email_validator import EmailNotValidError, validate_email
from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from services.brokerage.usecases import school_link
from services.brokerage.usecases.links import FRESH_LINK_PATH
from services.brokerage.web.pages import context_of, csrf_of, render, submitted_token, with_form
from shared.web.documented import pages, problems
from shared.web.ratelimit import PublicPage, RateLimit

REFERENCE = re.compile(r"SR-\d{4}-\d{6}")
FIELDS = ("reference", "email")
Form = dict[str, str]


def check(values: Form) -> dict[str, str]:
    """What is wrong with the form, field by field, in the form's order."""
    errors: dict[str, str] = {}
    reference = values["reference"].strip().upper()
    if not reference:
        errors["reference"] = "Enter the request's reference"
    elif not REFERENCE.fullmatch(reference):
        errors["reference"] = "Enter the reference as it appears in our emails, like SR-2026-000123"
    email = values["email"].strip()
    if not email:
        errors["email"] = "Enter the contact email address given on the request"
    else:
        try:
            validate_email(email, check_deliverability=False)
        except EmailNotValidError:
            errors["email"] = (
                "Enter an email address in the correct format, like name@school.org.uk"
            )
    return errors


def _form(request: Request, status: int = 200, **context: object) -> HTMLResponse:
    return with_form(
        request, "fresh_link.html", status, title="Get a new link to your request", **context
    )


def build_router(posts_per_minute: int) -> APIRouter:
    router = APIRouter(tags=["support form"])
    limit = RateLimit(posts_per_minute, "school-fresh-link").dependency()

    @router.get(
        FRESH_LINK_PATH,
        response_class=HTMLResponse,
        dependencies=[PublicPage],
        summary="The page where a school asks for a new private link to its request",
        responses=problems(503),
    )
    async def fresh_link_form(request: Request) -> HTMLResponse:
        return _form(request)

    @router.post(
        FRESH_LINK_PATH,
        response_class=HTMLResponse,
        dependencies=[Depends(limit)],
        summary="Send a new private link to the request's contact, if reference and email match",
        responses={**pages(403), **problems(413, 503), **problems(422, html=True)},
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {
                    "application/x-www-form-urlencoded": {
                        "schema": {
                            "type": "object",
                            "properties": {
                                "reference": {"type": "string", "maxLength": 32},
                                "email": {"type": "string", "maxLength": 320},
                                "csrf_token": {"type": "string"},
                            },
                        }
                    }
                },
            }
        },
    )
    async def fresh_link_sent(request: Request) -> HTMLResponse:
        content_type = request.headers.get("content-type", "").split(";")[0]
        form = await request.form() if content_type == "application/x-www-form-urlencoded" else {}
        values: Form = {}
        for name in FIELDS:
            given = form.get(name)
            values[name] = given[:320] if isinstance(given, str) else ""
        if not csrf_of(request).is_valid(request, submitted_token(form)):
            problem = "Your session expired. Please try again."
            return _form(request, 403, values=values, problem=problem)
        errors = check(values)
        if errors:
            return _form(request, 422, values=values, errors=errors)
        await school_link.send_fresh(context_of(request), values["reference"], values["email"])
        return render(
            "message.html",
            title="Check your email",
            paragraphs=[
                "If that reference and email address belong to the same support request, we "
                "have sent a new link to the email address. It can take a few minutes to arrive.",
                "Links to the request sent before no longer work.",
            ],
        )

    return router
