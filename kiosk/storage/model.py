"""What callers hand to the store and what they get back (plain data, JSON-able)."""

from __future__ import annotations

import functools
import json
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any

from kiosk.cccd import CccdRecord
from kiosk.clock import iso
from kiosk.dossier import Applicant

COPY_KINDS = ("original", "copy", "certified_copy", "photo")


@dataclass
class ApplicantInput:
    name: str
    id_number: str = ""
    old_id_number: str = ""
    birth_date: date | None = None
    gender: str = ""
    address: str = ""
    phone: str = ""
    email: str = ""
    #: The CCCD QR payload exactly as read, kept for audit and re-parsing.
    cccd_raw: str | None = None
    role: str = "owner"


@dataclass
class PageInput:
    """A page (or a whole PDF) already put in the file store."""

    sha256: str
    mime: str = "application/pdf"
    #: For a PDF made elsewhere: whether it is PDF/A-2b (None: made here, or not a PDF).
    pdfa: bool | None = None
    #: Why it is not, when ``pdfa`` is False (kiosk.pdfa.pdfa_problems).
    pdfa_problems: tuple[str, ...] = ()

    def pdfa_facts(self) -> dict[str, Any]:
        """The page record's PDF/A keys: none for a file made here."""
        if self.pdfa is None:
            return {}
        out: dict[str, Any] = {"pdfa": self.pdfa}
        if self.pdfa_problems:
            out["pdfa_problems"] = list(self.pdfa_problems)
        return out


@dataclass
class ComponentInput:
    name: str
    code: str = ""
    copy_kind: str = "original"
    count: int = 1
    checked: bool = True
    from_national_db: bool = False
    pages: list[PageInput] = field(default_factory=list)
    #: Shown at the counter and handed back (xuất trình), not handed in.
    presented: bool = False
    #: The signing outcome (kiosk.signing.dossier): {"state": "signed"|"unsigned", ...};
    #: None where signing was not attempted.
    signature: dict[str, Any] | None = None


@dataclass
class DossierInput:
    procedure_code: str
    applicant: ApplicantInput
    proxy: ApplicantInput | None = None
    channel: int = 1
    components: list[ComponentInput] = field(default_factory=list)
    sets: int = 1
    note: str = ""
    #: Set by tests and imports; the store uses the clock otherwise.
    received_at: datetime | None = None
    #: The draft this intake was kept as; it is discarded in the same transaction.
    draft_id: str | None = None
    #: "counter" or "post" (the result is sent by the public postal service).
    return_method: str = "counter"
    #: Back-entry: ``received_at`` is the time on the paper record, entered later.
    back_entry: bool = False
    #: What the citizen confirmed on the citizen screen before the save (issue 16), if any:
    #: ``{"confirmed_at", "digest", "corrections", "shown"}``.
    citizen_confirmation: dict[str, Any] | None = None
    #: 2 (received: the legal clock starts now), or 1 for a dossier submitted online that is
    #: recorded only to be refused or asked for more before it is accepted (no due time).
    status: int = 2
    #: The catalog the intake chose its procedure in; None: the one in force at the save.
    catalog_version: str | None = None

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        for person in (data["applicant"], data["proxy"]):
            if person and person.get("birth_date"):
                person["birth_date"] = person["birth_date"].isoformat()
        if self.received_at is not None:
            data["received_at"] = iso(self.received_at)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DossierInput:
        def person(raw: dict[str, Any] | None) -> ApplicantInput | None:
            if raw is None:
                return None
            raw = dict(raw)
            if raw.get("birth_date"):
                raw["birth_date"] = date.fromisoformat(raw["birth_date"])
            return ApplicantInput(**raw)

        components = [
            ComponentInput(
                **{k: v for k, v in c.items() if k != "pages"},
                pages=[PageInput(**{**p, "pdfa_problems": tuple(p.get("pdfa_problems", ()))})
                       for p in c.get("pages", [])],
            )
            for c in data.get("components", [])
        ]
        applicant = person(data["applicant"])
        assert applicant is not None
        received = data.get("received_at")
        return cls(
            procedure_code=data["procedure_code"],
            applicant=applicant,
            proxy=person(data.get("proxy")),
            channel=int(data.get("channel", 1)),
            components=components,
            sets=int(data.get("sets", 1)),
            note=data.get("note", ""),
            citizen_confirmation=data.get("citizen_confirmation"),
            received_at=datetime.fromisoformat(received) if received else None,
            draft_id=data.get("draft_id"),
            return_method=str(data.get("return_method") or "counter"),
            back_entry=bool(data.get("back_entry", False)),
            status=int(data.get("status", 2)),
        )


@dataclass(frozen=True)
class ProcedureInfo:
    """What the store keeps of a procedure: enough to print the receipt years later."""

    code: str
    name: str
    catalog_version: str
    snapshot: dict[str, Any]

    @functools.cached_property
    def snapshot_json(self) -> str:
        return json.dumps(self.snapshot, ensure_ascii=False)


@dataclass(frozen=True)
class SavedDossier:
    id: str
    code: str
    received_at: datetime
    due_at: datetime | None
    status: int

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "code": self.code,
            "received": iso(self.received_at),
            "due": iso(self.due_at) if self.due_at else None,
            "status": self.status,
        }


def applicant_from_core(person: Applicant, role: str = "owner") -> ApplicantInput:
    """From the core's :class:`kiosk.dossier.Applicant` (CCCD or typed)."""
    return ApplicantInput(
        name=person.full_name,
        id_number=person.id_number or "",
        old_id_number=person.old_id_number or "",
        birth_date=person.date_of_birth,
        gender=person.sex or "",
        address=person.address or "",
        phone=person.phone or "",
        email=person.email or "",
        cccd_raw=person.cccd_raw,
        role=role,
    )


def applicant_from_cccd(record: CccdRecord, phone: str = "") -> ApplicantInput:
    return ApplicantInput(
        name=record.full_name,
        id_number=record.id_number,
        old_id_number=record.old_id_number or "",
        birth_date=record.date_of_birth,
        gender=record.sex,
        address=record.address,
        phone=phone,
        cccd_raw=record.raw,
    )
