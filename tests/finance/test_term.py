"""A term through the real parts (HTTP, the outbox, Kafka, finance's consumer, PostgreSQL,
SMTP): bookings, a late cancellation, a no-show, a provider's cancellation and a deployment
cancelled part-way give statements whose totals are worked out by hand below; the invoice
carries them with VAT, reaches the finance contact, and its PDF says the same."""

import io
import re
from datetime import timedelta
from email.message import EmailMessage
from urllib.parse import urlsplit

import pypdf

from devstack.mail import wait_for_messages_async
from tests.finance.conftest import CLOCK, Money
from tests.finance.world import World, move_to

# By hand. Prices: member £90, non-member £120; cancellation with 3-10 working days' notice:
# 50%; a no-show: 100% of the price. Deployment: 3 days agreed at £350 a day, a 10% brokerage
# fee, cancelled after 2 days were delivered.
#
# Hillview (member) books ann, bob and cat on Phonics, and eve on Maths:  4 x £90 = £360.00
#   bob cancels a week before:      place released -£90.00, late fee £45.00
#   cat does not come:              place released -£90.00, no-show fee £90.00
#   Maths is cancelled by the alliance:          credit -£90.00
#   the SLE delivered 2 days of support to Hillview: 2 x £350 = £700.00
#   the brokerage fee, 10% of the days delivered (not of the 3 agreed): £70.00
#   Hillview's total: 360 - 90 + 45 - 90 + 90 - 90 + 700 + 70 = £995.00
# Beech (not a member) books dan on Phonics at £120.00, and is the SLE's home school:
#   credited the 2 days its SLE delivered: -£700.00.  Beech's total: 120 - 700 = -£580.00
HILLVIEW = {
    "places_member_pence": 36_000,
    "places_non_member_pence": 0,
    "places_released_pence": -18_000,
    "late_cancellation_fees_pence": 4_500,
    "no_show_fees_pence": 9_000,
    "provider_cancellation_credits_pence": -9_000,
    "sle_days_pence": 70_000,
    "brokerage_fees_pence": 7_000,
    "sle_days_credits_pence": 0,
    "total_pence": 99_500,
}
BEECH = {
    "places_member_pence": 0,
    "places_non_member_pence": 12_000,
    "places_released_pence": 0,
    "late_cancellation_fees_pence": 0,
    "no_show_fees_pence": 0,
    "provider_cancellation_credits_pence": 0,
    "sle_days_pence": 0,
    "brokerage_fees_pence": 0,
    "sle_days_credits_pence": -70_000,
    "total_pence": -58_000,
}
# Invoiced with VAT at 20% on the net total: £995.00 + £199.00 = £1,194.00.


async def a_term(money: Money, world: World) -> tuple[dict, dict]:
    hillview = await world.school("Hillview Primary", member=True)
    beech = await world.school("Beech Primary", member=False)
    starts = CLOCK.now() + timedelta(days=7)
    phonics = await world.course("Phonics", starts)
    maths = await world.course("Maths", starts + timedelta(days=14))
    ann = await world.book(phonics, hillview, "ann")
    bob = await world.book(phonics, hillview, "bob")
    cat = await world.book(phonics, hillview, "cat")
    dan = await world.book(phonics, beech, "dan")
    await world.book(maths, hillview, "eve")

    cancelled = await world.api.post(f"/bookings/{bob}/cancel", json={}, headers=hillview["auth"])
    assert cancelled.status_code == 200, cancelled.text
    dropped = await world.api.post(
        f"/courses/{maths['id']}/cancel", json={"reason": "Facilitator ill"}, headers=world.admin
    )
    assert dropped.status_code == 200, dropped.text

    move_to(starts + timedelta(minutes=30))
    marks = [
        {"booking_id": ann, "attended": True},
        {"booking_id": cat, "attended": False},
        {"booking_id": dan, "attended": True},
    ]
    register = await world.api.put(
        f"/courses/{phonics['id']}/sessions/0/register", json={"marks": marks}, headers=world.admin
    )
    assert register.status_code == 200, register.text
    move_to(starts + timedelta(hours=4))
    completed = await world.api.post(f"/courses/{phonics['id']}/complete", headers=world.admin)
    assert completed.status_code == 200, completed.text

    await world.deployment(hillview, beech, days_delivered=[1, 1])
    return hillview, beech


async def test_a_term_gives_the_statements_worked_out_by_hand(money: Money) -> None:
    world = World(money)
    hillview, beech = await a_term(money, world)

    # place x4, released x2, late fee, no-show fee, provider credit, SLE days, brokerage fee
    statement = await world.statement_when(hillview["urn"], 11)
    assert statement["summary"] == HILLVIEW
    assert statement["school_name"] == "Hillview Primary"
    kinds = sorted(line["kind"] for line in statement["lines"])
    assert kinds.count("place") == 4 and kinds.count("place_released") == 2
    assert {line["price_band"] for line in statement["lines"] if line["kind"] == "place"} == {
        "member"
    }
    days = next(line for line in statement["lines"] if line["kind"] == "sle_days")
    assert (days["quantity"], days["unit_pence"]) == (2, 35_000)
    # No participant's name or email on a statement: bookings by reference and course.
    assert "ann" not in str(statement) and "@" not in str(statement)

    beech_statement = await world.statement_when(beech["urn"], 2)
    assert beech_statement["summary"] == BEECH

    everyone = await money.finance.get(
        f"/alliances/{world.alliance}/statements",
        params={"from": world.period()["period_from"], "to": world.period()["period_to"]},
        headers=world.admin,
    )
    assert everyone.status_code == 200, everyone.text
    assert everyone.json()["summary"]["total_pence"] == 99_500 - 58_000

    csv = await money.finance.get(
        f"/alliances/{world.alliance}/statements.csv",
        params={"from": world.period()["period_from"], "to": world.period()["period_to"]},
        headers=world.admin,
    )
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    rows = [row.split(",") for row in csv.text.strip().splitlines()]
    assert rows[0][:3] == ["alliance_id", "school_urn", "school_name"]
    assert sum(int(row[10]) for row in rows[1:]) == 99_500 - 58_000
    assert len(rows) == 1 + 11 + 2

    # The CPD lead sees their school's statement, not another school's nor another alliance's.
    as_lead = money.stack.auth(
        "school_lead", world.alliance, school_urn=hillview["urn"], email=hillview["lead"]
    )
    assert (await world.statement(hillview["urn"], as_lead))["summary"]["total_pence"] == 99_500
    other = await money.finance.get(
        f"/alliances/{world.alliance}/schools/{beech['urn']}/statement",
        params={"from": "2026-01-01", "to": "2026-12-31"},
        headers=as_lead,
    )
    assert other.status_code == 403
    stranger = money.stack.auth("alliance_admin", "another-alliance")
    elsewhere = await money.finance.get(
        f"/alliances/{world.alliance}/statements",
        params={"from": "2026-01-01", "to": "2026-12-31"},
        headers=stranger,
    )
    assert elsewhere.status_code == 404

    # The invoice: VAT registered at 20%, 30 days to pay, to the school's finance contact.
    billing = await money.finance.put(
        f"/alliances/{world.alliance}/billing",
        json={
            "name": "Money Teaching School Alliance",
            "address": "1 College Green, Gloucester GL1 2LX",
            "vat_registered": True,
            "vat_number": "GB123456789",
            "vat_rate_bp": 2000,
            "payment_terms_days": 30,
            "number_prefix": "MTSA",
        },
        headers=world.admin,
    )
    assert billing.status_code == 200, billing.text
    finance_contact = f"bursar@{world.run}.example.org"
    details = await money.finance.put(
        f"/alliances/{world.alliance}/schools/{hillview['urn']}",
        json={
            "name": "Hillview Primary",
            "address": "Hill Road, Gloucester GL4 0AA",
            "finance_contact_name": "Bea Bursar",
            "finance_contact_email": finance_contact,
        },
        headers=world.admin,
    )
    assert details.status_code == 200, details.text
    issued = await money.finance.post(
        f"/alliances/{world.alliance}/invoices",
        json={"school_urn": hillview["urn"], **world.period()},
        headers=world.admin,
    )
    assert issued.status_code == 201, issued.text
    invoice = issued.json()
    assert invoice["number"] == "MTSA-000001"
    assert (invoice["net_pence"], invoice["vat_pence"], invoice["total_pence"]) == (
        99_500,
        19_900,
        119_400,
    )
    assert len(invoice["lines"]) == 11
    assert sum(line["amount_pence"] for line in invoice["lines"]) == 99_500

    # Everything is on it: a second invoice for the same school and period has nothing to take.
    again = await money.finance.post(
        f"/alliances/{world.alliance}/invoices",
        json={"school_urn": hillview["urn"], **world.period()},
        headers=world.admin,
    )
    assert again.status_code == 409, again.text
    lines = (await world.statement(hillview["urn"]))["lines"]
    assert {line["invoice_number"] for line in lines} == {"MTSA-000001"}

    pdf = await money.finance.get(f"/finance/invoices/{invoice['id']}/pdf", headers=world.admin)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    text = " ".join(pypdf.PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text().split())
    for expected in (
        "Invoice MTSA-000001",
        "Money Teaching School Alliance",
        "GB123456789",
        f"Hillview Primary (URN {hillview['urn']})",
        "Net £995.00",
        "VAT at 20% £199.00",
        "Total £1,194.00",
    ):
        assert expected in text, (expected, text)

    def to_bursar(message: EmailMessage) -> bool:
        return message["To"].addresses[0].addr_spec.lower() == finance_contact

    [mail] = await wait_for_messages_async(money.maildir, to_bursar, 1, timeout_s=60)
    assert mail["Subject"] == "Invoice MTSA-000001 from Money Teaching School Alliance"
    body = mail.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    assert "Total: £1,194" in body
    link = re.search(r"https?://\S+/finance/invoices/[0-9a-f-]+", body)
    assert link is not None
    # The link opens for the finance contact once signed in (bearer here; sign-in: test_pages).
    as_bursar = money.stack.auth(
        "school_lead", world.alliance, school_urn=hillview["urn"], email=finance_contact
    )
    page = await money.finance.get(urlsplit(link.group(0)).path, headers=as_bursar)
    assert page.status_code == 200 and "MTSA-000001" in page.text and "£1,194.00" in page.text
