"""Build form inputs from stored dossier records (``Store.get_dossier``'s dicts).

Kept apart from the renderers so that a change in the storage record touches one small
function. Printed text is Vietnamese whatever the UI language, because the forms are legal
documents: processing times and document kinds are spelled out here, not via ``_()``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

from kiosk.clock import parse_iso
from kiosk.forms.model import (
    ApplicantInfo,
    BookContext,
    BookRef,
    BookRow,
    ComponentLine,
    FormContext,
    UnitInfo,
)
from kiosk.forms.vnformat import group_thousands, two_digits

COPY_KINDS = {
    "original": "Bản chính",
    "copy": "Bản sao",
    "certified_copy": "Bản sao có chứng thực",
    "original_or_certified_copy": "Bản chính hoặc bản sao có chứng thực",
    "photo": "Bản chụp",
    "present": "Xuất trình bản chính",
    "electronic": "Bản điện tử",
}


def component_line(c: dict[str, Any]) -> ComponentLine:
    """A shown document prints as "Xuất trình" with no quantity: nothing was handed in."""
    if c.get("presented"):
        return ComponentLine(c["name"], "Xuất trình", 0)
    kind = c.get("copy_kind", "")
    return ComponentLine(c["name"], COPY_KINDS.get(kind, kind), int(c.get("count") or 1))


def processing_text(processing: dict[str, Any] | None) -> str:
    """``03 ngày làm việc``; the same-day rule with its cut-off hour."""
    if not processing:
        return ""
    unit = processing.get("unit")
    if unit == "same_day":
        cutoff = str(processing.get("cutoff") or "15:00").replace(":", " giờ ")
        return f"Trong ngày làm việc (nhận sau {cutoff} thì trả trong ngày làm việc tiếp theo)"
    value = float(processing.get("value") or 0)
    n = two_digits(int(value)) if value.is_integer() else f"{value:g}".replace(".", ",")
    words = {"working_days": "ngày làm việc", "working_hours": "giờ làm việc",
             "calendar_days": "ngày"}.get(str(unit), str(unit))
    return f"{n} {words}"


def fee_of(procedure: dict[str, Any] | None, quantity: int = 1) -> tuple[int | None, str]:
    """Fee at reception for ``quantity`` units, and how it is counted when per unit.

    ``None`` when no amount is fixed (set by the province): the form then says no fee is
    collected at the counter.
    """
    from kiosk.catalog import Fee, FeeTier

    total: int | None = None
    notes: list[str] = []
    for raw in (procedure or {}).get("fees", []):
        fee = Fee(name=raw.get("name", ""), amount=raw.get("amount"), unit=raw.get("unit"),
                  tiers=tuple(FeeTier(**t) for t in raw.get("tiers", [])),
                  maximum=raw.get("maximum"))
        amount = fee.total(quantity)
        if amount is None:
            continue
        total = (total or 0) + amount
        if fee.unit:
            note = f"{group_thousands(fee.amount or 0)} đồng/{fee.unit}"
            notes.append(note + (f"; {raw['note']}" if raw.get("note") else ""))
    return total, "; ".join(notes)


def context_from_record(record: dict[str, Any], unit: UnitInfo, *,
                        clerk_name: Callable[[str], str] | None = None,
                        lookup_url: str = "", **extra: Any) -> FormContext:
    procedure = record.get("procedure") or {}
    applicant = record.get("applicant") or {}
    actor = str(record.get("received_by", ""))
    fee, fee_note = fee_of(procedure)
    book = None
    if record.get("book_volume") and record.get("book_line"):
        book = BookRef(str(record["book_volume"]), int(record["book_line"]))
    return FormContext(
        unit=unit,
        code=record["code"],
        applicant=ApplicantInfo(
            name=applicant.get("name", ""), id_number=applicant.get("id_number", ""),
            address=applicant.get("address", ""), phone=applicant.get("phone", ""),
            email=applicant.get("email", "")),
        procedure_name=record.get("procedure_name") or procedure.get("name", ""),
        procedure_code=record.get("procedure_code", ""),
        received_at=parse_iso(record["received_at"]),
        due_at=parse_iso(record["due_at"]) if record.get("due_at") else None,
        counter=int(record.get("counter") or 1),
        processing_time=processing_text(procedure.get("processing")),
        components=tuple(component_line(c) for c in record.get("components", [])
                         if c.get("checked", True)),
        sets=int(record.get("sets") or 1),
        fee=fee,
        fee_note=fee_note,
        clerk=clerk_name(actor) if clerk_name else actor,
        book=book,
        lead_agency=procedure.get("handled_by") or "",
        lookup_url=lookup_url,
        **extra,
    )


def book_from_records(records: Iterable[dict[str, Any]], unit: UnitInfo, date_from: date,
                      date_to: date, volume: str = "") -> BookContext:
    rows = []
    for r in records:
        applicant = r.get("applicant") or {}
        contact = ", ".join(x for x in (applicant.get("address", ""),
                                        applicant.get("phone", "")) if x)
        returned = next((e["at"] for e in r.get("events", []) if e.get("to_status") == 10),
                        None)
        done = next((e["at"] for e in r.get("events", []) if e.get("to_status") == 9), None)
        rows.append(BookRow(
            code=r["code"], procedure_name=r.get("procedure_name", ""),
            applicant_name=applicant.get("name", ""), received_at=parse_iso(r["received_at"]),
            due_at=parse_iso(r["due_at"]) if r.get("due_at") else None,
            sets=int(r.get("sets") or 1), address_phone=contact,
            lead_agency=(r.get("procedure") or {}).get("handled_by") or unit.name,
            result_at=parse_iso(done) if done else None,
            returned_at=parse_iso(returned) if returned else None, note=r.get("note", "")))
    rows.sort(key=lambda row: row.received_at)
    return BookContext(unit, date_from, date_to, tuple(rows), volume=volume)
