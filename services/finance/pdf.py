"""An invoice or credit note as PDF (fpdf2, core fonts): made from the stored, immutable
invoice, so the same document comes out every time it is asked for."""

from datetime import date

from services.finance.domain.money import pounds
from services.finance.usecases.models import InvoiceView


def _latin(text: str) -> str:
    """The core fonts speak Latin-1: anything else becomes '?', never an error."""
    return text.encode("latin-1", "replace").decode("latin-1")


def _day(value: date) -> str:
    return f"{value.day} {value:%B %Y}"


def render(invoice: InvoiceView) -> bytes:
    from fpdf import FPDF  # on first use: the library and its fonts are ~45 MB resident

    title = "Credit note" if invoice.kind == "credit_note" else "Invoice"
    pdf = FPDF(format="A4")
    pdf.set_title(_latin(f"{title} {invoice.number}"))
    pdf.set_author(_latin(invoice.alliance_name))
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()

    def text(value: str, size: int = 10, style: str = "", height: float = 5) -> None:
        pdf.set_font("Helvetica", style, size)
        pdf.multi_cell(0, height, _latin(value), new_x="LMARGIN", new_y="NEXT")

    text(f"{title} {invoice.number}", 20, "B", 10)
    text(invoice.alliance_name, 11, "B")
    if invoice.alliance_address:
        text(invoice.alliance_address)
    if invoice.vat_registered and invoice.vat_number:
        text(f"VAT registration number: {invoice.vat_number}")
    pdf.ln(4)
    text("To", 9, "B")
    text(f"{invoice.school_name} (URN {invoice.school_urn})", 11, "B")
    if invoice.school_address:
        text(invoice.school_address)
    if invoice.finance_contact_name:
        text(f"For the attention of {invoice.finance_contact_name}")
    pdf.ln(4)
    text(f"Date of issue: {_day(invoice.issued_on)}")
    if invoice.kind == "invoice":
        text(f"Payment due by: {_day(invoice.due_on)}")
    if invoice.period_from and invoice.period_to:
        text(f"Period: {_day(invoice.period_from)} to {_day(invoice.period_to)}")
    pdf.ln(4)

    widths = (24, 26, 96, 34)
    pdf.set_font("Helvetica", "B", 9)
    for width, head in zip(widths, ("Date", "Reference", "Description", "Amount"), strict=True):
        pdf.cell(width, 7, head, border="B", align="R" if head == "Amount" else "L")
    pdf.ln()
    pdf.set_font("Helvetica", "", 9)
    for line in invoice.lines:
        cells = (line.occurred_on.isoformat(), line.reference, line.description)
        pdf.cell(widths[0], 6, cells[0])
        pdf.cell(widths[1], 6, _latin(cells[1]))
        pdf.cell(widths[2], 6, _latin(cells[2][:60]))
        pdf.cell(widths[3], 6, _latin(pounds(line.amount_pence)), align="R")
        pdf.ln()
    pdf.ln(3)

    def total(label: str, pence: int, style: str = "") -> None:
        pdf.set_font("Helvetica", style, 10)
        pdf.cell(sum(widths[:3]), 6, _latin(label), align="R")
        pdf.cell(widths[3], 6, _latin(pounds(pence)), align="R")
        pdf.ln()

    total("Net", invoice.net_pence)
    if invoice.vat_registered:
        total(f"VAT at {invoice.vat_rate_bp / 100:g}%", invoice.vat_pence)
    else:
        total("VAT (not registered for VAT)", 0)
    total("Total", invoice.total_pence, "B")
    pdf.ln(6)
    if invoice.kind == "invoice":
        text(f"Please pay within the terms: by {_day(invoice.due_on)}, quoting {invoice.number}.")
    elif invoice.credits_invoice_number:
        text(f"This credit note cancels invoice {invoice.credits_invoice_number} in full.")
    return bytes(pdf.output())
