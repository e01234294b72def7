"""The demo people of the local identity provider: one or more per role, from the demo data.

The provider only says who someone is; what they may do comes from each service's data (the
staff rows, the school records, bookings and the SLE directory that the demo data loads).
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class DemoPerson:
    email: str
    name: str
    role: str

    def claims(self) -> dict[str, object]:
        return {"sub": self.email, "email": self.email, "email_verified": True, "name": self.name}


DEMO_PEOPLE: tuple[DemoPerson, ...] = (
    DemoPerson("admin@odyssey-tsa.example.org", "Alison Grant", "administrator, Odyssey TSA"),
    DemoPerson("admin@forest-way-tsa.example.org", "Ben Carter", "administrator, Forest Way TSA"),
    DemoPerson("sle.coordinator@odyssey-tsa.example.org", "Rachel Hughes", "coordinator, Odyssey"),
    DemoPerson("h.marsh@severnvale.example.org", "Helen Marsh", "CPD lead, Severn Vale Primary"),
    DemoPerson("cpd@kingsholm.example.org", "David Okafor", "CPD lead, Kingsholm CE Primary"),
    DemoPerson("a.lewis@severnvale.example.org", "Amy Lewis", "participant (booked on a course)"),
    DemoPerson("t.reid@kingsholm.example.org", "Tom Reid", "participant (waiting for approval)"),
    DemoPerson("c.bennett@severnvale.example.org", "Claire Bennett", "SLE, Odyssey"),
    DemoPerson("head@severnvale.example.org", "Mark Davies", "home-school head of an SLE"),
)
