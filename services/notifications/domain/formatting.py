"""How messages write times, dates, money and days: plainly, in British English, UK local time."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


def local(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(LONDON)


def clock(moment: datetime) -> str:
    """``9:30am``, ``midday``, ``4:05pm`` (UK local time)."""
    if moment.hour == 12 and moment.minute == 0:
        return "midday"
    hour = moment.hour % 12 or 12
    suffix = "am" if moment.hour < 12 else "pm"
    if moment.minute == 0:
        return f"{hour}{suffix}"
    return f"{hour}:{moment.minute:02d}{suffix}"


DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = (
    *("January", "February", "March", "April", "May", "June", "July"),
    *("August", "September", "October", "November", "December"),
)


def day(value: date | datetime) -> str:
    """``Tuesday 3 March 2026`` (in English whatever the process's locale)."""
    if isinstance(value, datetime):
        value = local(value)
    return f"{DAYS[value.weekday()]} {value.day} {MONTHS[value.month - 1]} {value.year}"


def when(moment: datetime) -> str:
    """``Tuesday 3 March 2026, 9:30am`` (UK local time)."""
    moment = local(moment)
    return f"{day(moment)}, {clock(moment)}"


def session_span(starts_at: datetime, ends_at: datetime) -> str:
    """``Tuesday 3 March 2026, 9:30am to 3:30pm``, naming the end day only if it differs."""
    start, end = local(starts_at), local(ends_at)
    if start.date() == end.date():
        return f"{when(start)} to {clock(end)}"
    return f"{when(start)} to {when(end)}"


def money(pence: int) -> str:
    """``£12.50``, ``£350``, ``£1,200``; ``Free`` for nothing."""
    if pence == 0:
        return "Free"
    sign = "-" if pence < 0 else ""
    pounds, rest = divmod(abs(pence), 100)
    if rest == 0:
        return f"{sign}£{pounds:,}"
    return f"{sign}£{pounds:,}.{rest:02d}"


def fee(pence: int) -> str:
    """A charge: ``£45`` or ``No charge``."""
    return "No charge" if pence == 0 else money(pence)


def days(amount: float) -> str:
    """``half a day``, ``1 day``, ``2.5 days``."""
    if amount == 0.5:
        return "half a day"
    text = f"{amount:g}"
    return f"{text} day" if amount == 1 else f"{text} days"


def humanise(code: str) -> str:
    """A controlled-list code as words: ``closing_the_disadvantage_gap`` → ``closing the ...``."""
    return code.replace("_", " ").replace("-", " ").strip()


def wrap(text: str, width: int = 76) -> str:
    """Text of single spaces (``squash``) in lines of at most ``width`` characters, broken
    between words only: a word longer than that (a link) has a line of its own, whole."""
    lines: list[str] = []
    line = ""
    for word in text.split(" "):
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    lines.append(line)
    return "\n".join(lines)
