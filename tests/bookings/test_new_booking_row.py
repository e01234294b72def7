"""A new booking's row, built without reading it back, has every column the read-back query
gives but ``updated_at`` (a column added to ``booking_select`` must be added to
``new_booking_row`` too)."""

from types import SimpleNamespace

from services.bookings.repository import booking_select
from services.bookings.store import new_booking_row
from tests.bookings.test_course_aggregate import book, course


def test_a_new_booking_row_has_the_columns_of_the_read_back() -> None:
    c = course(capacity=1)
    book(c)
    waiting = book(c)
    school = SimpleNamespace(school_name="Oak", cpd_lead_name="Pat", cpd_lead_email="p@s.example")
    row = new_booking_row(c, waiting, school)  # type: ignore[arg-type]
    read_back = set(booking_select().selected_columns.keys())
    assert set(row._mapping) == read_back - {"updated_at"}  # the database's clock; nobody reads it
    assert (row.status, row.position, row.course_title) == ("waitlisted", 1, c.title)
