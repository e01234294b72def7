"""How money, times and codes read on a page: UK conventions, Europe/London time."""

from datetime import datetime
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")

STRANDS = {
    "itt": "Initial teacher training",
    "early_career": "Early career",
    "cpd": "CPD",
    "leadership_npq": "Leadership and NPQ",
    "send": "SEND",
    "subject_network": "Subject network",
    "research": "Research",
}

PHASES = {
    "early_years": "Early years",
    "primary": "Primary",
    "secondary": "Secondary",
    "special": "Special",
    "post_16": "Post-16",
    "all_through": "All-through",
}


def money(pence: int | None) -> str:
    if not pence:
        return "Free"
    return f"£{pence // 100:,}.{pence % 100:02d}"


def london(moment: datetime | str) -> str:
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    local = moment.astimezone(LONDON)
    hour = local.strftime("%I").lstrip("0")
    minutes = "" if local.minute == 0 else f":{local.minute:02d}"
    return f"{local:%A} {local.day} {local:%B %Y}, {hour}{minutes}{local:%p}".replace(
        "AM", "am"
    ).replace("PM", "pm")


def london_time(moment: datetime | str) -> str:
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    local = moment.astimezone(LONDON)
    hour = local.strftime("%I").lstrip("0")
    minutes = "" if local.minute == 0 else f":{local.minute:02d}"
    return f"{hour}{minutes}{local:%p}".lower()


ACRONYMS = {"tsa", "tsh", "mat", "cpd", "send", "ecf", "npq", "itt", "scitt", "lea"}


def alliance_name(alliance_id: str) -> str:
    """How an alliance's id reads on a page: ``odyssey-tsa`` is "Odyssey TSA"."""
    words = alliance_id.replace("_", "-").split("-")
    return " ".join(w.upper() if w in ACRONYMS else w.capitalize() for w in words if w)
