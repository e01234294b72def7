"""The SQL finance's use cases run."""

from collections.abc import Sequence
from datetime import date
from typing import Any
from uuid import UUID

from sqlalchemy import RowMapping, String, any_, bindparam, func, select, update
from sqlalchemy.dialects.postgresql import ARRAY, insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.finance.domain.ledger import PLACE_KINDS, Entry
from services.finance.tables import alliances, entries, invoice_lines, invoices, schools


async def bound_lock_wait(session: AsyncSession, milliseconds: int) -> None:
    """Row locks taken later in this transaction wait at most ``milliseconds`` (then 55P03)."""
    await session.execute(select(func.set_config("lock_timeout", f"{int(milliseconds)}ms", True)))


# -- schools and alliances --------------------------------------------------------------------


_seen_school = insert(schools).values(
    alliance_id=bindparam("alliance_id"),
    urn=bindparam("urn"),
    name=bindparam("name"),
    cpd_lead_email=bindparam("cpd_lead_email"),
)
LEARN_SCHOOL = _seen_school.on_conflict_do_update(
    index_elements=[schools.c.alliance_id, schools.c.urn],
    set_={
        "name": _seen_school.excluded.name,
        "cpd_lead_email": func.coalesce(
            _seen_school.excluded.cpd_lead_email, schools.c.cpd_lead_email
        ),
        "updated_at": func.now(),
    },
    # Nearly every event names a school as finance already knows it: then nothing is written.
    where=schools.c.name.is_distinct_from(_seen_school.excluded.name)
    | (
        _seen_school.excluded.cpd_lead_email.is_not(None)
        & schools.c.cpd_lead_email.is_distinct_from(_seen_school.excluded.cpd_lead_email)
    ),
)
"""What bookings says of a school: its name and, when it names one, its CPD lead (a school
named without a lead keeps the one it has). Executed with ``school_values``."""


def school_values(
    alliance_id: str, urn: str, name: str, cpd_lead_email: str | None
) -> dict[str, Any]:
    return {
        "alliance_id": alliance_id,
        "urn": urn,
        "name": name,
        "cpd_lead_email": cpd_lead_email or None,
    }


async def learn_school(
    session: AsyncSession, alliance_id: str, urn: str, name: str, cpd_lead_email: str | None
) -> None:
    await session.execute(LEARN_SCHOOL, school_values(alliance_id, urn, name, cpd_lead_email))


async def learn_schools(session: AsyncSession, seen: list[dict[str, Any]]) -> None:
    """Several ``school_values`` in one round trip (the same school twice is fine)."""
    await session.execute(LEARN_SCHOOL, seen)


async def put_school_billing(
    session: AsyncSession, alliance_id: str, urn: str, **values: Any
) -> None:
    stmt = insert(schools).values(alliance_id=alliance_id, urn=urn, **values)
    changes = {k: stmt.excluded[k] for k in values} | {"updated_at": func.now()}
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[schools.c.alliance_id, schools.c.urn], set_=changes
        )
    )


async def get_school(session: AsyncSession, alliance_id: str, urn: str) -> RowMapping | None:
    query = select(schools).where(schools.c.alliance_id == alliance_id, schools.c.urn == urn)
    return (await session.execute(query)).mappings().first()


async def list_schools(session: AsyncSession, alliance_id: str) -> Sequence[RowMapping]:
    query = select(schools).where(schools.c.alliance_id == alliance_id).order_by(schools.c.name)
    return (await session.execute(query)).mappings().all()


async def schools_of_person(session: AsyncSession, email: str) -> Sequence[RowMapping]:
    """Schools whose CPD lead or finance contact is ``email`` (lower case)."""
    query = select(schools.c.alliance_id, schools.c.urn).where(
        (func.lower(schools.c.cpd_lead_email) == email)
        | (func.lower(schools.c.finance_contact_email) == email)
    )
    return (await session.execute(query)).mappings().all()


async def get_alliance(
    session: AsyncSession, alliance_id: str, *, lock: bool = False
) -> RowMapping | None:
    query = select(alliances).where(alliances.c.alliance_id == alliance_id)
    if lock:
        query = query.with_for_update()
    return (await session.execute(query)).mappings().first()


async def put_alliance(session: AsyncSession, alliance_id: str, **values: Any) -> None:
    stmt = insert(alliances).values(alliance_id=alliance_id, **values)
    changes = {k: stmt.excluded[k] for k in values} | {"updated_at": func.now()}
    await session.execute(
        stmt.on_conflict_do_update(index_elements=[alliances.c.alliance_id], set_=changes)
    )


async def ensure_alliance(session: AsyncSession, alliance_id: str) -> None:
    """The alliance's row with the defaults (named by its id) if it has none yet."""
    stmt = insert(alliances).values(alliance_id=alliance_id, name=alliance_id)
    await session.execute(stmt.on_conflict_do_nothing(index_elements=[alliances.c.alliance_id]))


async def take_number(session: AsyncSession, alliance_id: str) -> int:
    """The alliance's next invoice number; the row stays locked until the transaction ends,
    so concurrent issuers queue and a rolled-back issue gives its number back."""
    result = await session.execute(
        update(alliances)
        .where(alliances.c.alliance_id == alliance_id)
        .values(last_number=alliances.c.last_number + 1)
        .returning(alliances.c.last_number)
    )
    return int(result.scalar_one())


# -- the ledger ------------------------------------------------------------------------------


def _place_charged(booking_id: Any) -> Any:
    return select(func.coalesce(func.sum(entries.c.amount_pence), 0)).where(
        entries.c.subject_id == booking_id,
        # One array parameter: an IN list would be re-rendered into the SQL on every execution.
        entries.c.kind
        == any_(bindparam("place_kinds", [k.value for k in PLACE_KINDS], ARRAY(String))),
    )


PLACE_CHARGED = _place_charged(bindparam("booking_id"))
"""What a booking's place holds now: its place charge less what was given back."""

LEARN_SCHOOL_AND_PLACE_CHARGED = PLACE_CHARGED.add_cte(LEARN_SCHOOL.cte("learn_school"))
"""Both in one round trip: the school is learnt (a data-modifying WITH) while the place's
entries are summed; they are different tables, so neither sees the other."""


async def learn_school_and_place_charged(
    session: AsyncSession, school: dict[str, Any], booking_id: UUID
) -> int:
    """``LEARN_SCHOOL`` with ``school`` (``school_values``) and what the place holds."""
    held = await session.scalar(
        LEARN_SCHOOL_AND_PLACE_CHARGED, {**school, "booking_id": booking_id}
    )
    return int(held or 0)


ADD_ENTRY = insert(entries).on_conflict_do_nothing()
"""A redelivered event's entries are there already (the unique event, school, kind)."""


def _entry_values(event_id: UUID, e: Entry) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "alliance_id": e.alliance_id,
        "school_urn": e.school_urn,
        "kind": e.kind.value,
        "subject_id": e.subject_id,
        "reference": e.reference,
        "description": e.description[:300],
        "price_band": e.price_band,
        "quantity": e.quantity,
        "unit_pence": e.unit_pence,
        "amount_pence": e.amount_pence,
        "occurred_on": e.occurred_on,
    }


async def add_entries(session: AsyncSession, event_id: UUID, found: list[Entry]) -> None:
    """One round trip for all of ``found``."""
    if not found:
        return
    await session.execute(ADD_ENTRY, [_entry_values(event_id, e) for e in found])


def _charge_place_statement() -> Any:
    columns = [c for c in entries.c if c.name in _ENTRY_COLUMNS]
    values = {c.name: bindparam(c.name, type_=c.type) for c in columns}
    held = _place_charged(values["subject_id"]).scalar_subquery()
    row = select(*values.values()).where(held == 0)
    return (
        insert(entries)
        .from_select(columns, row)
        .on_conflict_do_nothing()
        .add_cte(LEARN_SCHOOL.cte("learn_school"))
    )


_ENTRY_COLUMNS = {
    "event_id", "alliance_id", "school_urn", "kind", "subject_id", "reference", "description",
    "price_band", "quantity", "unit_pence", "amount_pence", "occurred_on",
}  # fmt: skip
LEARN_SCHOOL_AND_CHARGE_PLACE = _charge_place_statement()
"""The school learnt and the place's charge written unless the place holds something already,
in one round trip (``entries_for`` charges a place only while it holds nothing)."""


async def learn_school_and_charge_place(
    session: AsyncSession, school: dict[str, Any], event_id: UUID, charge: Entry
) -> None:
    """``LEARN_SCHOOL`` with ``school`` (``school_values``), and ``charge`` (the place's
    charge, for ``event_id``) written if the booking's place holds nothing."""
    values = {**school, **_entry_values(event_id, charge)}
    await session.execute(LEARN_SCHOOL_AND_CHARGE_PLACE, values)


def _entry_select() -> Any:
    return select(entries, invoices.c.number.label("invoice_number")).join(
        invoices, invoices.c.id == entries.c.invoice_id, isouter=True
    )


async def school_entries(
    session: AsyncSession, alliance_id: str, urn: str, period_from: date, period_to: date
) -> Sequence[RowMapping]:
    query = (
        _entry_select()
        .where(
            entries.c.alliance_id == alliance_id,
            entries.c.school_urn == urn,
            entries.c.occurred_on.between(period_from, period_to),
        )
        .order_by(entries.c.occurred_on, entries.c.id)
    )
    return (await session.execute(query)).mappings().all()


async def alliance_entries(
    session: AsyncSession, alliance_id: str, period_from: date, period_to: date
) -> Sequence[RowMapping]:
    query = (
        _entry_select()
        .where(
            entries.c.alliance_id == alliance_id,
            entries.c.occurred_on.between(period_from, period_to),
        )
        .order_by(entries.c.school_urn, entries.c.occurred_on, entries.c.id)
    )
    return (await session.execute(query)).mappings().all()


async def uninvoiced_for_update(
    session: AsyncSession,
    alliance_id: str,
    urn: str,
    *,
    period: tuple[date, date] | None = None,
    booking_id: UUID | None = None,
) -> Sequence[RowMapping]:
    """Entries not yet on an invoice, locked so no concurrent issue takes them too."""
    query = select(entries).where(
        entries.c.alliance_id == alliance_id,
        entries.c.school_urn == urn,
        entries.c.invoice_id.is_(None),
    )
    if period is not None:
        query = query.where(entries.c.occurred_on.between(*period))
    if booking_id is not None:
        query = query.where(entries.c.subject_id == booking_id)
    query = query.order_by(entries.c.occurred_on, entries.c.id).with_for_update()
    return (await session.execute(query)).mappings().all()


async def mark_invoiced(
    session: AsyncSession, entry_ids: list[int], invoice_id: UUID | None
) -> None:
    await session.execute(
        update(entries).where(entries.c.id.in_(entry_ids)).values(invoice_id=invoice_id)
    )


async def release_invoice(session: AsyncSession, invoice_id: UUID) -> None:
    """A credited invoice's entries are free to go on a corrected invoice."""
    await session.execute(
        update(entries).where(entries.c.invoice_id == invoice_id).values(invoice_id=None)
    )


async def booking_school(session: AsyncSession, alliance_id: str, booking_id: UUID) -> str | None:
    query = select(entries.c.school_urn).where(
        entries.c.alliance_id == alliance_id, entries.c.subject_id == booking_id
    )
    return await session.scalar(query.limit(1))


# -- invoices --------------------------------------------------------------------------------


async def insert_invoice(session: AsyncSession, lines: list[dict[str, Any]], **values: Any) -> None:
    await session.execute(insert(invoices).values(**values))
    if lines:
        await session.execute(insert(invoice_lines).values(lines))


async def get_invoice(session: AsyncSession, invoice_id: UUID) -> RowMapping | None:
    """The invoice, with the number of the credit note that credits it and, for a credit
    note, of the invoice it credits."""
    credit = invoices.alias("credit")
    original = invoices.alias("original")
    query = (
        select(
            invoices,
            credit.c.number.label("credited_by_number"),
            credit.c.id.label("credited_by_id"),
            original.c.number.label("credits_invoice_number"),
        )
        .join(credit, credit.c.credits_invoice_id == invoices.c.id, isouter=True)
        .join(original, original.c.id == invoices.c.credits_invoice_id, isouter=True)
        .where(invoices.c.id == invoice_id)
    )
    return (await session.execute(query)).mappings().first()


async def get_invoice_for_update(session: AsyncSession, invoice_id: UUID) -> RowMapping | None:
    query = select(invoices).where(invoices.c.id == invoice_id).with_for_update()
    return (await session.execute(query)).mappings().first()


async def credit_note_of(session: AsyncSession, invoice_id: UUID) -> RowMapping | None:
    query = select(invoices).where(invoices.c.credits_invoice_id == invoice_id)
    return (await session.execute(query)).mappings().first()


async def lines_of(session: AsyncSession, invoice_id: UUID) -> Sequence[RowMapping]:
    query = (
        select(invoice_lines)
        .where(invoice_lines.c.invoice_id == invoice_id)
        .order_by(invoice_lines.c.line_no)
    )
    return (await session.execute(query)).mappings().all()


async def list_invoices(
    session: AsyncSession, alliance_id: str, urn: str | None = None
) -> Sequence[RowMapping]:
    query = select(invoices).where(invoices.c.alliance_id == alliance_id)
    if urn is not None:
        query = query.where(invoices.c.school_urn == urn)
    return (await session.execute(query.order_by(invoices.c.seq.desc()))).mappings().all()
