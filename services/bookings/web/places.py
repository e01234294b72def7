"""The participant's pages and one booking's page, where every booking email lands.

``/places`` lists the signed-in person's own bookings (made for their email). ``/places/{id}``
shows a booking to its participant, its school's CPD lead and its course's administrators, with
what each may do: cancel (the fee is shown on a page of its own before the person confirms),
accept or decline an offered place, approve or decline (the CPD lead), substitute (the CPD lead
or an administrator), and after the course the certificate and the evaluation. Every form posts
a CSRF token; every change answers with a redirect back to the page (post, redirect, get) and a
line saying what was done. The same use cases as the JSON API do the work.
"""

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.bookings.api.deps import Ctx
from services.bookings.domain.model import LIVE, BookingStatus
from services.bookings.usecases import (
    approval,
    cancellation,
    evaluation,
    offers,
    places,
    substitution,
)
from services.bookings.usecases.certificates import CERTIFIED
from services.bookings.usecases.places import ActingOn
from services.bookings.web import place_forms
from services.bookings.web.pages import csrf_of, render
from services.bookings.web.refusals import PageRoute
from shared.errors import Conflict, Forbidden
from shared.identity import Identity
from shared.web.signin import SignedIn, safe_next

router = APIRouter(include_in_schema=False, route_class=PageRoute)

STATUS_LABELS = {
    "awaiting_approval": "Waiting for the CPD lead's approval",
    "confirmed": "Confirmed",
    "waitlisted": "On the waiting list",
    "offered": "Place offered: accept or decline",
    "declined": "Declined by the school",
    "offer_expired": "Offer expired",
    "offer_declined": "Offer declined",
    "attended": "Attended",
    "partly_attended": "Partly attended",
    "no_show": "Did not attend",
    "cancelled": "Cancelled",
}
DONE = {
    "cancelled": "The place is cancelled.",
    "accepted": "The place is accepted: it is confirmed.",
    "offer_declined": "The offered place is declined; it goes to the next person waiting.",
    "approved": "The booking is approved.",
    "declined": "The booking is declined; the participant is told why.",
    "substituted": "The place is now the substitute's.",
    "evaluated": "Thank you: your evaluation is recorded.",
}
Text = Annotated[str, Form(max_length=10_000)]
Token = Annotated[str, Form(max_length=200)]
Next = Annotated[str, Form(max_length=500)]


def booking_page(booking_id: UUID, done: str) -> str:
    return f"/places/{booking_id}?done={done}"


def back_to(target: str, done: str) -> str:
    """A local page to return to after a change, told what was ``done``."""
    target = safe_next(target)
    return f"{target}{'&' if '?' in target else '?'}done={done}"


def sentence(detail: str) -> str:
    """A use case's refusal as an error message on the page."""
    return detail[:1].upper() + detail[1:]


def redirect(url: str) -> Response:
    return RedirectResponse(url, status_code=303)


def page(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    return render(request, template, status, status_labels=STATUS_LABELS, **context)


async def acting(ctx: Ctx, identity: Identity, booking_id: UUID) -> ActingOn:
    return await places.acting_on(ctx, identity.principals, booking_id)


async def checked(
    request: Request, ctx: Ctx, identity: Identity, booking_id: UUID, token: str
) -> ActingOn:
    """The person's hat on the booking, once the form proves it came from our page."""
    csrf_of(request).check(request, token)
    return await acting(ctx, identity, booking_id)


@router.get("/places", response_class=HTMLResponse)
async def my_places(request: Request, ctx: Ctx, identity: SignedIn) -> HTMLResponse:
    found = await places.my_places(ctx, identity.person.email)
    return page(request, "places/list.html", places=found)


@router.get("/places/{booking_id}", response_class=HTMLResponse)
async def booking(
    request: Request, ctx: Ctx, identity: SignedIn, booking_id: UUID, done: str = ""
) -> HTMLResponse:
    on = await acting(ctx, identity, booking_id)
    b = on.booking
    started = b.course_starts_at is not None and b.course_starts_at <= ctx.clock.now()
    return page(
        request,
        "places/booking.html",
        on=on,
        booking=b,
        done=DONE.get(done),
        live=b.status in LIVE and not started,
        certificate=ctx.certificate_url(b.id) if b.status.value in CERTIFIED else None,
        evaluate=on.participant is not None and b.status.value in CERTIFIED,
    )


# -- cancelling, with the fee shown first -------------------------------------------------------


@router.get("/places/{booking_id}/cancel", response_class=HTMLResponse)
async def cancel_form(
    request: Request, ctx: Ctx, identity: SignedIn, booking_id: UUID
) -> HTMLResponse:
    on = await acting(ctx, identity, booking_id)
    quote = await cancellation.quote(ctx, on.principal, booking_id)
    return page(request, "places/cancel.html", quote=quote, form={}, errors=None)


@router.post("/places/{booking_id}/cancel", response_class=HTMLResponse)
async def cancel(
    request: Request,
    ctx: Ctx,
    identity: SignedIn,
    booking_id: UUID,
    csrf_token: Token = "",
    expected_fee_pence: Annotated[int, Form(ge=0, le=10_000_000)] = 0,
    reason: Text = "",
    waive_fee: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    on = await checked(request, ctx, identity, booking_id, csrf_token)
    waived = bool(waive_fee) and on.as_admin
    text, problem = place_forms.reason(reason, required=False)
    if problem is not None:
        errors, status = {"reason": problem}, 422
    else:
        try:
            await cancellation.cancel(
                ctx,
                on.principal,
                booking_id,
                reason=text,
                waive_fee=waived,
                expected_fee_pence=0 if waived else expected_fee_pence,
            )
            return redirect(booking_page(booking_id, "cancelled"))
        except Conflict as changed:
            if "fee_pence" not in changed.extra:
                raise
            errors, status = {"confirm": sentence(changed.detail)}, 409
    quote = await cancellation.quote(ctx, on.principal, booking_id)
    form = {"reason": reason, "waive_fee": waive_fee}
    return page(request, "places/cancel.html", status, quote=quote, form=form, errors=errors)


# -- an offered place ---------------------------------------------------------------------------


@router.post("/places/{booking_id}/accept-offer")
async def accept_offer(
    request: Request, ctx: Ctx, identity: SignedIn, booking_id: UUID, csrf_token: Token = ""
) -> Response:
    on = await checked(request, ctx, identity, booking_id, csrf_token)
    await offers.accept_offer(ctx, on.principal, booking_id)
    return redirect(booking_page(booking_id, "accepted"))


@router.get("/places/{booking_id}/decline-offer", response_class=HTMLResponse)
async def decline_offer_form(
    request: Request, ctx: Ctx, identity: SignedIn, booking_id: UUID
) -> HTMLResponse:
    on = await acting(ctx, identity, booking_id)
    if on.booking.status is not BookingStatus.OFFERED:
        raise Conflict("there is no offered place on this booking to decline")
    return page(request, "places/decline_offer.html", booking=on.booking)


@router.post("/places/{booking_id}/decline-offer")
async def decline_offer(
    request: Request, ctx: Ctx, identity: SignedIn, booking_id: UUID, csrf_token: Token = ""
) -> Response:
    on = await checked(request, ctx, identity, booking_id, csrf_token)
    await offers.decline_offer(ctx, on.principal, booking_id)
    return redirect(booking_page(booking_id, "offer_declined"))


# -- the CPD lead's approval --------------------------------------------------------------------


@router.post("/places/{booking_id}/approve")
async def approve(
    request: Request,
    ctx: Ctx,
    identity: SignedIn,
    booking_id: UUID,
    csrf_token: Token = "",
    next: Next = "",
) -> Response:
    on = await checked(request, ctx, identity, booking_id, csrf_token)
    await approval.approve(ctx, on.principal, booking_id)
    return redirect(back_to(next or f"/places/{booking_id}", "approved"))


@router.get("/places/{booking_id}/decline", response_class=HTMLResponse)
async def decline_form(
    request: Request, ctx: Ctx, identity: SignedIn, booking_id: UUID, next: str = ""
) -> HTMLResponse:
    on = await acting(ctx, identity, booking_id)
    if not on.as_school_lead:
        raise Forbidden("only the school's CPD lead declines its bookings")
    return page(
        request,
        "places/decline.html",
        booking=on.booking,
        next=safe_next(next or f"/places/{booking_id}"),
        form={},
        errors=None,
    )


@router.post("/places/{booking_id}/decline", response_class=HTMLResponse)
async def decline(
    request: Request,
    ctx: Ctx,
    identity: SignedIn,
    booking_id: UUID,
    csrf_token: Token = "",
    reason: Text = "",
    next: Next = "",
) -> Response:
    on = await checked(request, ctx, identity, booking_id, csrf_token)
    text, problem = place_forms.reason(reason, required=True)
    if problem is not None:
        return page(
            request,
            "places/decline.html",
            422,
            booking=on.booking,
            next=safe_next(next or f"/places/{booking_id}"),
            form={"reason": reason},
            errors={"reason": problem},
        )
    await approval.decline(ctx, on.principal, booking_id, text)
    return redirect(back_to(next or f"/places/{booking_id}", "declined"))


# -- substitution -------------------------------------------------------------------------------


@router.get("/places/{booking_id}/substitute", response_class=HTMLResponse)
async def substitute_form(
    request: Request, ctx: Ctx, identity: SignedIn, booking_id: UUID
) -> HTMLResponse:
    on = await acting(ctx, identity, booking_id)
    if not (on.as_school_lead or on.as_admin):
        raise Forbidden("a place is substituted by the school's CPD lead or an administrator")
    return page(request, "places/substitute.html", booking=on.booking, form={}, errors=None)


@router.post("/places/{booking_id}/substitute", response_class=HTMLResponse)
async def substitute(
    request: Request,
    ctx: Ctx,
    identity: SignedIn,
    booking_id: UUID,
    csrf_token: Token = "",
    name: Text = "",
    email: Text = "",
    role: Text = "",
) -> Response:
    on = await checked(request, ctx, identity, booking_id, csrf_token)
    participant, errors = place_forms.substitute(name, email, role)
    if participant is not None:
        try:
            await substitution.substitute(ctx, on.principal, booking_id, participant)
            return redirect(booking_page(booking_id, "substituted"))
        except Conflict as refused:
            errors = {"email": sentence(refused.detail)}
    form = {"name": name, "email": email, "role": role}
    return page(
        request, "places/substitute.html", 422, booking=on.booking, form=form, errors=errors
    )


# -- after the course: the evaluation -----------------------------------------------------------


@router.get("/places/{booking_id}/evaluation", response_class=HTMLResponse)
async def evaluation_form(
    request: Request, ctx: Ctx, identity: SignedIn, booking_id: UUID
) -> HTMLResponse:
    on = await acting(ctx, identity, booking_id)
    if on.participant is None:
        raise Forbidden("only the participant evaluates their course")
    return page(request, "places/evaluation.html", booking=on.booking, form={}, errors=None)


@router.post("/places/{booking_id}/evaluation", response_class=HTMLResponse)
async def evaluate(
    request: Request,
    ctx: Ctx,
    identity: SignedIn,
    booking_id: UUID,
    csrf_token: Token = "",
    rating: Annotated[str, Form(max_length=10)] = "",
    comments: Text = "",
) -> Response:
    on = await checked(request, ctx, identity, booking_id, csrf_token)
    if on.participant is None:
        raise Forbidden("only the participant evaluates their course")
    answer, errors = place_forms.evaluation(rating, comments)
    if answer is not None:
        try:
            await evaluation.evaluate(ctx, on.participant, booking_id, answer)
            return redirect(booking_page(booking_id, "evaluated"))
        except Conflict as refused:
            errors = {"rating": sentence(refused.detail)}
    form = {"rating": rating, "comments": comments}
    status = 409 if answer is not None else 422
    return page(
        request, "places/evaluation.html", status, booking=on.booking, form=form, errors=errors
    )
