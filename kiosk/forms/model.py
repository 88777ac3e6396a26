"""Plain, typed inputs of the form renderers.

The renderers never read storage: the caller (CLI, UI, storage adapter) builds a
:class:`FormContext` from a dossier, so forms can be rendered and tested on their own and
the storage schema can change without touching the layouts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

Paper = Literal["a4", "thermal"]
PAPERS: tuple[str, ...] = ("a4", "thermal")


@dataclass(frozen=True)
class UnitInfo:
    """The receiving unit, as printed in the form header."""

    name: str  # "UBND xã Mẫu": the governing body, first header line
    centre_name: str  # "Trung tâm Phục vụ hành chính công xã Mẫu"
    address: str = ""  # where results are collected
    place: str = ""  # place name before the date: "Mẫu, ngày ..."
    phone: str = ""


@dataclass(frozen=True)
class ApplicantInfo:
    name: str
    id_number: str = ""
    address: str = ""
    phone: str = ""
    email: str = ""


@dataclass(frozen=True)
class ComponentLine:
    """One document handed in: name, form (bản chính / bản sao / bản chụp), quantity."""

    name: str
    kind: str = "Bản chính"
    quantity: int = 1


@dataclass(frozen=True)
class BookRef:
    """Tracking-book volume and line where the dossier was entered."""

    volume: str
    line: int


@dataclass(frozen=True)
class Issue:
    """A numbered item on the supplement request or a reason on refusal/stop notices."""

    text: str
    reason: str = ""


@dataclass(frozen=True)
class Handover:
    """One row of the control slip (Mẫu 06): who handed the dossier to whom, when."""

    agency: str
    handed_at: datetime | None = None
    giver: str = ""
    receiver: str = ""
    result: str = ""  # "Trước hạn" / "Đúng hạn" / "Quá hạn", filled when the result is back
    note: str = ""


@dataclass(frozen=True)
class FormContext:
    """Everything any form of a set may print for one dossier."""

    unit: UnitInfo
    code: str
    applicant: ApplicantInfo
    procedure_name: str
    received_at: datetime
    due_at: datetime | None
    procedure_code: str = ""
    counter: int = 1
    processing_time: str = ""  # "03 ngày làm việc", from the catalog
    components: tuple[ComponentLine, ...] = ()
    sets: int = 1
    fee: int | None = None  # đồng; None or 0: no fee
    fee_note: str = ""  # how the fee is counted ("2.000 đồng/trang"), printed after it
    clerk: str = ""
    book: BookRef | None = None
    lead_agency: str = ""  # agency that resolves the dossier
    # Forms other than the receipt:
    issues: tuple[Issue, ...] = ()  # Mẫu 02 items, 03/05 reasons
    contact: str = ""  # Mẫu 02: who to ask, and their phone
    delay_reason: str = ""  # Mẫu 04
    new_due_at: datetime | None = None  # Mẫu 04
    letter_number: str = ""  # Mẫu 04: the number the letter was recorded under
    handovers: tuple[Handover, ...] = ()  # Mẫu 06
    printed_at: datetime | None = None  # date on the form; defaults to received_at
    lookup_url: str = ""  # QR payload template; "{code}" is replaced, empty: the code


@dataclass(frozen=True)
class BookRow:
    """One line of the tracking book (Mẫu 05 of 2018, Mẫu 07 of 2025)."""

    code: str
    procedure_name: str
    applicant_name: str
    received_at: datetime
    due_at: datetime | None = None
    sets: int = 1
    address_phone: str = ""
    lead_agency: str = ""
    sent_at: datetime | None = None  # handed to the resolving agency
    result_at: datetime | None = None  # result back at the centre
    returned_at: datetime | None = None  # given to the citizen
    note: str = ""


@dataclass(frozen=True)
class BookContext:
    unit: UnitInfo
    date_from: date
    date_to: date
    rows: tuple[BookRow, ...]
    volume: str = ""
    printed_at: datetime | None = None


@dataclass(frozen=True)
class RenderedForm:
    """A rendered PDF and what it was rendered under (storage records ``set_id``)."""

    pdf: bytes
    set_id: str
    form: str
    paper: str
    width_mm: float
    height_mm: float
    pages: int = 1
    warnings: tuple[str, ...] = field(default=())
