"""Demo data: Odyssey's invoicing settings and two schools' billing details. The money itself
comes from the demo bookings' and requests' events."""

from services.finance import repository as repo
from shared.runtime import ServiceRuntime

ODYSSEY = "odyssey-tsa"
SCHOOLS = [
    ("115701", "Severn Vale Primary School", "Severn Road, Gloucester GL2 5AA", "Sam Price"),
    (
        "115722",
        "Kingsholm Church of England Primary",
        "Kingsholm Road, Gloucester GL1 3BA",
        "Kim Lowe",
    ),
]


async def load_demo_data(runtime: ServiceRuntime) -> None:
    async with runtime.transaction() as session:
        await repo.put_alliance(
            session,
            ODYSSEY,
            name="Odyssey Teaching School Alliance",
            address="Odyssey Teaching School, College Green, Gloucester GL1 2LX",
            vat_registered=True,
            vat_number="GB123456789",
            vat_rate_bp=2000,
            payment_terms_days=30,
            invoice_per="period",
            number_prefix="ODY",
        )
        for urn, name, address, contact in SCHOOLS:
            await repo.put_school_billing(
                session,
                ODYSSEY,
                urn,
                name=name,
                address=address,
                finance_contact_name=contact,
                finance_contact_email=f"finance@{name.split()[0].lower()}.example.org",
            )
