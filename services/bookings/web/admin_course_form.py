"""The course form: what an administrator types (dates and times in London, prices in pounds)
read into the use cases' ``CourseDetails``, and its refusals as one GOV.UK message per field."""

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from pydantic import ValidationError
from starlette.datastructures import FormData

from services.bookings.usecases.inputs import CourseDetails
from services.bookings.usecases.read_models import CourseView
from services.bookings.web.formatting import LONDON

MAX_SESSION_ROWS = 50
BAND_ROWS = 3
SCALARS = (
    "title",
    "summary",
    "strand",
    "audience",
    "facilitator",
    "facilitator_email",
    "capacity",
    "minimum_viable_numbers",
    "booking_closes_date",
    "booking_closes_time",
    "member_price",
    "non_member_price",
    "late_fee",
    "no_show_percent",
    "offer_hold_hours",
    "reminder_days",
)
LABELS = {
    "title": "The title",
    "summary": "The summary",
    "strand": "The strand",
    "phases": "The phases",
    "audience": "Who it is for",
    "facilitator": "The facilitator",
    "facilitator_email": "The facilitator's email",
    "capacity": "The number of places",
    "minimum_viable_numbers": "The minimum viable numbers",
    "booking_closes_date": "The date booking closes",
    "member_price": "The member price",
    "non_member_price": "The non-member price",
    "late_fee": "The late fee",
    "no_show_percent": "The no-show charge",
    "offer_hold_hours": "How long an offered place is held",
    "reminder_days": "The reminder days",
}
PRICE = re.compile(r"^£?\s*(\d{1,6})(?:\.(\d{1,2}))?$")


@dataclass
class CourseForm:
    """The values as typed (to show back) and, when they make a course, the details."""

    values: dict[str, Any]
    sessions: list[dict[str, str]]
    bands: list[dict[str, str]]
    errors: dict[str, str] = field(default_factory=dict)
    details: CourseDetails | None = None


def blank_form() -> CourseForm:
    values: dict[str, Any] = {name: "" for name in SCALARS}
    values.update(phases=[], no_show_percent="100", offer_hold_hours="48", reminder_days="7, 1")
    values.update(booking_closes_time="17:00")
    bands = [{"days": "10", "percent": "50"}, {"days": "2", "percent": "100"}]
    return CourseForm(values, _pad_sessions([]), _pad_bands(bands))


def _pad_sessions(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    empty = {"date": "", "starts": "", "ends": "", "venue": "", "online_url": ""}
    wanted = min(MAX_SESSION_ROWS, max(3, len(rows) + 1))
    return [*rows, *({**empty} for _ in range(wanted - len(rows)))][:MAX_SESSION_ROWS]


def _pad_bands(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    return [*rows, *({"days": "", "percent": ""} for _ in range(BAND_ROWS - len(rows)))]


def _local(moment: datetime) -> tuple[str, str]:
    local = moment.astimezone(LONDON)
    return local.date().isoformat(), local.strftime("%H:%M")


def _pounds(pence: int) -> str:
    return f"{pence // 100}.{pence % 100:02d}"


def form_of(course: CourseView) -> CourseForm:
    """The edit form, filled in from the course as it is."""
    closes_date, closes_time = _local(course.booking_closes_at)
    policy = course.cancellation_policy
    values: dict[str, Any] = {
        "title": course.title,
        "summary": course.summary,
        "strand": course.strand.value,
        "phases": [p.value for p in course.phases],
        "audience": course.audience,
        "facilitator": course.facilitator,
        "facilitator_email": "",
        "capacity": str(course.capacity),
        "minimum_viable_numbers": (
            "" if course.minimum_viable_numbers is None else str(course.minimum_viable_numbers)
        ),
        "booking_closes_date": closes_date,
        "booking_closes_time": closes_time,
        "member_price": _pounds(course.member_price_pence),
        "non_member_price": _pounds(course.non_member_price_pence),
        "late_fee": _pounds(policy.late_fee_pence) if policy.late_fee_pence else "",
        "no_show_percent": str(policy.no_show_percent),
        "offer_hold_hours": f"{course.offer_hold_hours:g}",
        "reminder_days": ", ".join(str(d) for d in course.reminder_days),
    }
    sessions = []
    for s in course.sessions:
        day, starts = _local(s.starts_at)
        sessions.append(
            {
                "date": day,
                "starts": starts,
                "ends": _local(s.ends_at)[1],
                "venue": s.venue or "",
                "online_url": s.online_url or "",
            }
        )
    bands = [{"days": str(b.max_working_days), "percent": str(b.percent)} for b in policy.bands]
    return CourseForm(values, _pad_sessions(sessions), _pad_bands(bands[:BAND_ROWS]))


def _moment(day: str, clock: str) -> datetime | None:
    try:
        return datetime.combine(date.fromisoformat(day), time.fromisoformat(clock), LONDON)
    except ValueError:
        return None


def _pence(raw: str, name: str, errors: dict[str, str]) -> int | str:
    if not raw.strip():
        return 0
    found = PRICE.match(raw.strip().replace(",", ""))
    if found is None:
        errors[name] = f"{LABELS[name]} must be an amount in pounds, like 90 or 90.50"
        return raw
    pounds, pennies = found.groups()
    return int(pounds) * 100 + int((pennies or "0").ljust(2, "0"))


def read_form(form: FormData) -> CourseForm:
    """The form as typed, read into course details or one message per field."""
    values: dict[str, Any] = {name: str(form.get(name, ""))[:10_000] for name in SCALARS}
    values["phases"] = [str(p)[:50] for p in form.getlist("phases")][:10]
    rows = []
    for i in range(MAX_SESSION_ROWS):
        row = {
            key: str(form.get(f"session-{i}-{key}", ""))[:2_000].strip()
            for key in ("date", "starts", "ends", "venue", "online_url")
        }
        rows.append(row)
    bands = [
        {key: str(form.get(f"band-{i}-{key}", "")).strip()[:20] for key in ("days", "percent")}
        for i in range(BAND_ROWS)
    ]
    typed = CourseForm(values, rows, bands)
    _parse(typed)
    typed.sessions = _pad_sessions([r for r in rows if any(r.values())])
    return typed


def _parse(typed: CourseForm) -> None:
    values, errors = typed.values, typed.errors
    filled = [(i, r) for i, r in enumerate(typed.sessions) if any(r.values())]
    sessions = []
    for n, (_, row) in enumerate(filled):
        starts = _moment(row["date"], row["starts"])
        ends = _moment(row["date"], row["ends"])
        if starts is None:
            errors[f"session-{n}-date"] = "Enter the session's date and start time"
        if ends is None:
            errors[f"session-{n}-ends"] = "Enter the time the session ends"
        sessions.append(
            {
                "starts_at": starts or "",
                "ends_at": ends or "",
                "venue": row["venue"] or None,
                "online_url": row["online_url"] or None,
            }
        )
    closes = _moment(values["booking_closes_date"], values["booking_closes_time"] or "17:00")
    if closes is None:
        errors["booking_closes_date"] = "Enter the date and time booking closes"
    bands = [
        {"max_working_days": b["days"], "percent": b["percent"]}
        for b in typed.bands
        if b["days"] or b["percent"]
    ]
    reminder_days: list[str] = [d.strip() for d in values["reminder_days"].split(",") if d.strip()]
    data = {
        "title": values["title"],
        "summary": values["summary"],
        "strand": values["strand"],
        "phases": values["phases"],
        "audience": values["audience"],
        "facilitator": values["facilitator"],
        "facilitator_email": values["facilitator_email"].strip() or None,
        "sessions": sessions,
        "capacity": values["capacity"].strip(),
        "minimum_viable_numbers": values["minimum_viable_numbers"].strip() or None,
        "booking_closes_at": closes or "",
        "member_price_pence": _pence(values["member_price"], "member_price", errors),
        "non_member_price_pence": _pence(values["non_member_price"], "non_member_price", errors),
        "cancellation_policy": {
            "bands": bands,
            "late_fee_pence": _pence(values["late_fee"], "late_fee", errors),
            "no_show_percent": values["no_show_percent"].strip() or "100",
        },
        "offer_hold_hours": values["offer_hold_hours"].strip() or "48",
        "reminder_days": reminder_days,
    }
    try:
        details = CourseDetails.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors():
            name, message = field_message(error)
            errors.setdefault(name, message)
    else:
        if not errors:
            typed.details = details
    order = field_order(len(sessions))
    typed.errors = dict(sorted(errors.items(), key=lambda kv: order.get(kv[0], len(order))))


def field_order(sessions: int) -> dict[str, int]:
    names = ["title", "summary", "strand", "phases", "audience", "facilitator", "facilitator_email"]
    for n in range(max(sessions, 1)):
        names += [f"session-{n}-date", f"session-{n}-ends", f"session-{n}-venue"]
    names += ["capacity", "minimum_viable_numbers", "booking_closes_date"]
    names += ["member_price", "non_member_price", "band-0-days", "band-1-days", "band-2-days"]
    names += ["late_fee", "no_show_percent", "offer_hold_hours", "reminder_days", "course"]
    return {name: i for i, name in enumerate(names)}


SESSION_KEYS = {"starts_at": "date", "ends_at": "ends", "venue": "venue", "online_url": "venue"}
TOP_LEVEL = {
    "member_price_pence": "member_price",
    "non_member_price_pence": "non_member_price",
    "booking_closes_at": "booking_closes_date",
}


def field_message(error: Any) -> tuple[str, str]:
    """(the page's field id, what to do) for one of ``CourseDetails``' validation errors."""
    loc = [str(p) for p in error["loc"]]
    kind, text = error["type"], str(error["msg"]).removeprefix("Value error, ")
    if not loc:
        if "booking must close" in text:
            return "booking_closes_date", "Booking must close before the first session starts"
        if "minimum viable" in text:
            return "minimum_viable_numbers", "The minimum viable numbers cannot exceed the places"
        return "course", text
    head = loc[0]
    if head == "sessions":
        if len(loc) == 1:
            return "session-0-date", "Enter at least one session: its date, times and venue"
        row = f"session-{loc[1]}"
        if len(loc) == 2:
            if "end after" in text:
                return f"{row}-ends", "The session must end after it starts"
            return f"{row}-venue", "Enter the session's venue or its online link"
        if loc[2] == "online_url":
            return f"{row}-venue", "Enter the online link as a full web address, like https://…"
        return f"{row}-{SESSION_KEYS.get(loc[2], 'date')}", "Enter the session's date and times"
    if head == "cancellation_policy":
        if len(loc) >= 3 and loc[1] == "bands":
            return f"band-{loc[2]}-days", (
                "Each fee band needs working days (0 to 365) and a percentage (0 to 100)"
            )
        if len(loc) >= 2 and loc[1] == "no_show_percent":
            return "no_show_percent", "The no-show charge must be a percentage from 0 to 100"
        return "late_fee", "The late fee must be an amount in pounds, like 20"
    name = TOP_LEVEL.get(head, head)
    return name, _message(name, kind, text, error.get("ctx") or {})


def _message(name: str, kind: str, text: str, ctx: dict[str, Any]) -> str:
    label = LABELS.get(name, name)
    if name == "facilitator_email":
        return "Enter the facilitator's email address in the correct format, like name@example.org"
    if name == "phases":
        return "Select at least one phase"
    if name == "strand":
        return "Select a strand"
    if name == "reminder_days":
        return "Reminder days are whole numbers from 1 to 90, separated by commas, like 7, 1"
    if kind in ("missing", "string_too_short", "too_short"):
        return f"Enter {label[0].lower()}{label[1:]}"
    if kind == "string_too_long":
        return f"{label} must be {ctx.get('max_length')} characters or fewer"
    if kind in ("int_parsing", "int_from_float", "float_parsing"):
        return f"{label} must be a number, like 20"
    if kind in ("greater_than_equal", "greater_than"):
        return f"{label} must be {ctx.get('ge', ctx.get('gt'))} or more"
    if kind in ("less_than_equal", "less_than"):
        return f"{label} must be {ctx.get('le', ctx.get('lt'))} or fewer"
    if kind == "value_error":
        return f"{label} {text}"
    return f"{label}: {text}"
