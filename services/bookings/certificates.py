"""Certificates of attendance as PDF (fpdf2): what the alliance needs on one, on one A4 page."""

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class CertificateFacts:
    participant: str
    school: str
    course: str
    alliance: str
    facilitator: str
    dates: list[date]
    hours: float
    sessions_attended: int
    sessions_total: int
    reference: str
    issued_on: date


def _day(value: date) -> str:
    return f"{value.day} {value:%B %Y}"


def _hours(amount: float) -> str:
    text = f"{amount:g}"
    return f"{text} hour" if amount == 1 else f"{text} hours"


def _latin(text: str) -> str:
    """The core fonts speak Latin-1: anything else becomes '?', never an error."""
    return text.encode("latin-1", "replace").decode("latin-1")


def render(facts: CertificateFacts) -> bytes:
    from fpdf import FPDF  # on first use: the library and its fonts are ~45 MB resident

    pdf = FPDF(orientation="landscape", format="A4")
    pdf.set_title(_latin(f"Certificate of attendance: {facts.course}"))
    pdf.set_author(_latin(facts.alliance))
    pdf.set_auto_page_break(auto=False)
    pdf.add_page()
    pdf.set_line_width(1.2)
    pdf.rect(10, 10, pdf.w - 20, pdf.h - 20)

    def line(text: str, size: int, style: str = "", gap: float = 4) -> None:
        pdf.set_font("Helvetica", style, size)
        pdf.multi_cell(0, size * 0.5, _latin(text), align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(gap)

    pdf.set_y(28)
    line("Certificate of attendance", 28, "B", 10)
    line("This is to certify that", 14)
    line(facts.participant, 24, "B", 2)
    line(facts.school, 13, "", 8)
    attended = "attended" if facts.sessions_attended >= facts.sessions_total else "attended part of"
    line(attended, 14)
    line(facts.course, 20, "B", 8)
    days = ", ".join(_day(d) for d in facts.dates)
    line(f"Date{'s' if len(facts.dates) != 1 else ''}: {days}", 12, "", 2)
    sessions = f"{facts.sessions_attended} of {facts.sessions_total} sessions"
    line(f"Hours of CPD: {_hours(facts.hours)} ({sessions})", 12, "", 2)
    if facts.facilitator:
        line(f"Facilitator: {facts.facilitator}", 12, "", 2)
    line(f"Provided by: {facts.alliance}", 12, "", 10)
    line(f"Issued {_day(facts.issued_on)} - reference {facts.reference}", 9)
    return bytes(pdf.output())
