"""Certification at the counter (chứng thực bản sao, chữ ký, hợp đồng/giao dịch) in one step.

The dossier, its register number and its receipt are one transaction (the dossier save's
``then`` hook): either the citizen has all three or nothing was written. Afterwards the
certified copies are stamped with the attestation (``kiosk.money.attestation``), kept in the
file store and referenced by the register entry, and the dossier is finished and handed back
at the counter (statuses 9 and 10), since the copies leave with the citizen.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kiosk.errors import ConfigError, InvalidInput
from kiosk.i18n import _
from kiosk.money.attestation import attestation_for, certified_copies
from kiosk.money.cashier import Cashier, Charge, insert, pdf_pages, receipt_json
from kiosk.money.fees import Quote, fee_items
from kiosk.money.numbering import book_name
from kiosk.safe_text import is_ascii_digits
from kiosk.storage import ApplicantInput, ComponentInput, DossierInput, PageInput, Store
from kiosk.storage import register as register_db
from kiosk.storage.sqlite import Database

KINDS = ("copy", "signature", "contract")
#: What the register says was certified when the clerk names nothing more precise.
DOCUMENTS = {"copy": "Bản sao từ bản chính", "signature": "Giấy tờ, văn bản có chữ ký",
             "contract": "Hợp đồng, giao dịch"}
MAX_COPIES = 1000
MAX_PAGES = 5000


@dataclass
class CertifyRequest:
    kind: str
    copies: int
    #: Pages of the document (one copy); counted from the scans when there are any.
    pages: int | None = None
    #: The scanned or attached document, in page order: file-store hashes, or pages with
    #: their PDF/A verdict (an attached PDF, ``kiosk.pdfa.conform``).
    files: list[str | PageInput] = field(default_factory=list)
    requester: str = ""
    requester_id: str = ""
    document: str = ""
    #: A configured signer (its name, or its number in the list from 1); "" = the first.
    signer: str = ""
    method: str = "cash"
    reason: str = ""
    amount: int | None = None


def shas(files: list[str | PageInput]) -> list[str]:
    return [p.sha256 if isinstance(p, PageInput) else p for p in files]


def signers(config: Any) -> list[tuple[str, str]]:
    """(title, name) of each person who may certify (``certify.signers``)."""
    out = []
    for item in config.get("certify.signers"):
        title, _sep, name = item.partition("=")
        out.append((title.strip(), name.strip()))
    return out


def pick_signer(config: Any, given: str) -> tuple[str, str]:
    people = signers(config)
    if not people:
        raise ConfigError(_("Chưa khai báo người thực hiện chứng thực."),
                          hint=_("Quản trị viên đặt certify.signers, ví dụ «PHÓ CHỦ TỊCH=Nguyễn "
                                 "Văn An»."))
    text = given.strip()
    if not text:
        return people[0]
    if is_ascii_digits(text) and 1 <= int(text) <= len(people):
        return people[int(text) - 1]
    from kiosk.text import fold

    for title, name in people:
        if fold(name) == fold(text):
            return title, name
    raise InvalidInput(_("«{name}» không có trong danh sách người thực hiện chứng thực.",
                         name=text[:80]),
                       hint=_("Danh sách: {names}.", names="; ".join(n for _t, n in people)),
                       field="signer")


def next_dossier_code(store: Store) -> str:
    """The code this counter's next dossier will get: what a transfer QR shown before the
    certification names as its purpose. Another process of the same counter saving first
    would take it; the receipt then names the dossier actually saved."""
    from kiosk.clock import now
    from kiosk.dossier_code import counter_block, format_dossier_code

    unit = str(store.config.get("unit.code"))
    counter = int(store.config.get("counter.number"))
    day = now().date()
    row = store.read(lambda db: db.execute(
        "SELECT last_seq FROM code_counters WHERE unit_code = ? AND day = ? AND counter = ?",
        (unit, day.isoformat(), counter)).fetchone())
    block = counter_block(counter)
    seq = int(row[0]) + 1 if row else block.start
    return format_dossier_code(unit, day, min(seq, block.stop - 1))


class Certifier:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.config = store.config
        self.cashier = Cashier(store)

    def procedure_code(self, kind: str) -> str:
        if kind not in KINDS:
            raise InvalidInput(_("Loại chứng thực «{kind}» không hợp lệ.", kind=str(kind)[:40]),
                               hint=_("Chọn copy (bản sao), signature (chữ ký) hoặc contract "
                                      "(hợp đồng, giao dịch)."), field="kind")
        return str(self.config.get(f"certify.procedure_{kind}"))

    def pages_of(self, req: CertifyRequest) -> int:
        counted = sum(pdf_pages(self.store.file_path(sha)) for sha in shas(req.files))
        if req.files and req.pages is not None and req.pages != counted:
            raise InvalidInput(
                _("Số trang {given} khác số trang của tệp bản sao ({counted}).",
                  given=req.pages, counted=counted),
                hint=_("Bỏ --pages: số trang được đếm từ tệp."), field="pages")
        pages = counted if req.files else req.pages
        if pages is None:
            if req.kind == "copy":
                raise InvalidInput(_("Chứng thực bản sao cần số trang hoặc tệp bản sao."),
                                   hint=_("Quét bản sao, hoặc ghi --pages N."), field="pages")
            pages = 1
        if not 1 <= pages <= MAX_PAGES:
            raise InvalidInput(_("Số trang {pages} không hợp lệ (1–{max}).", pages=pages,
                                 max=MAX_PAGES), field="pages")
        return pages

    def quote(self, req: CertifyRequest) -> tuple[Quote, int]:
        """The fee for ``req`` (before anything is written) and the pages it counts."""
        if not 1 <= req.copies <= MAX_COPIES:
            raise InvalidInput(_("Số bản {copies} không hợp lệ (1–{max}).", copies=req.copies,
                                 max=MAX_COPIES), field="copies")
        proc = self.store.catalog.get(self.procedure_code(req.kind))
        pages = self.pages_of(req)
        return Quote(tuple(fee_items(proc.fees, pages=[pages], copies=req.copies))), pages

    def _dossier_input(self, req: CertifyRequest, pages: int) -> DossierInput:
        proc = self.store.catalog.get(self.procedure_code(req.kind))
        scanned = next((c for c in proc.components if c.form == "copy"), None) \
            if req.kind == "copy" else None
        scanned = scanned or next((c for c in proc.components if c.form != "present"), None)
        components = []
        for comp in proc.components:
            if comp is scanned:
                components.append(ComponentInput(
                    comp.name, code=comp.code,
                    copy_kind="copy" if comp.form == "copy" else "original",
                    count=req.copies,
                    pages=[p if isinstance(p, PageInput) else PageInput(p) for p in req.files],
                    checked=True))
            else:
                # The original (for a copy) and the ID paper are shown and handed back.
                components.append(ComponentInput(comp.name, code=comp.code, presented=True,
                                                 checked=comp.form in ("present", "original")))
        name = req.requester.strip() or _("Người yêu cầu chứng thực")
        return DossierInput(proc.code, ApplicantInput(name, id_number=req.requester_id.strip()),
                            components=components, sets=1,
                            note=_("{n} bản, {pages} trang mỗi bản", n=req.copies, pages=pages))

    def certify(self, req: CertifyRequest, clerk: str) -> dict[str, Any]:
        quote, pages = self.quote(req)
        title, name = pick_signer(self.config, req.signer)
        charge: Charge | None = None
        if not quote.free:
            charge = self.cashier.charge(quote, req.method, req.reason, req.amount)
        counter = int(self.config.get("counter.number"))
        unit = str(self.config.get("unit.code"))
        book_code = str(self.config.get(f"certify.book_{req.kind}"))
        pattern = str(self.config.get("certify.book_pattern"))
        document = req.document.strip() or DOCUMENTS[req.kind]
        done: dict[str, Any] = {}

        def then(db: Database, dossier_id: str, code: str) -> None:
            from kiosk.clock import now

            record = {"id": dossier_id, "code": code, "procedure_name": document,
                      "applicant": {"name": inp.applicant.name}}
            receipt = insert(db, self.cashier.receipt_fields(record, charge, clerk)) \
                if charge is not None else None
            done["receipt"] = receipt
            done["entry"] = register_db.insert_entry(
                db, dossier_id=dossier_id, dossier_code=code, unit_code=unit, kind=req.kind,
                book=book_name(pattern, counter, now().year, book_code), counter=counter,
                document=document, copies=req.copies, pages=pages,
                requester=inp.applicant.name, requester_id=inp.applicant.id_number,
                signer_title=title, signer_name=name,
                fee=receipt["amount"] if receipt else 0,
                receipt_id=receipt["id"] if receipt else None, clerk=clerk)

        inp = self._dossier_input(req, pages)
        saved = self.store.save_dossier(inp, clerk, then=then)
        entry, receipt = done["entry"], done["receipt"]
        if receipt is not None:
            self.cashier.note_number(receipt)
        self.store.numbers.record("register", (unit, entry["book"], entry["year"]),
                                  int(entry["number"]))
        output = self.stamp(entry, req, title, name)
        for status, note in ((9, _("Chứng thực xong tại quầy")),
                             (10, _("Trả bản chứng thực tại quầy"))):
            self.store.change_status(saved.code, status, clerk, note)
        return {"dossier": saved.code,
                "register": {"book": entry["book"], "number": entry["number"],
                             "number_text": entry["number_text"]},
                "fee": receipt["amount"] if receipt else 0,
                "receipt": receipt_json(receipt, saved.code) if receipt else None,
                "pages": pages, "copies": req.copies,
                "signer": {"title": title, "name": name}, "output": output}

    def stamp(self, entry: dict[str, Any], req: CertifyRequest, title: str,
              name: str) -> str:
        """Render the certified copies and keep them; returns the file's sha256."""
        from kiosk.clock import parse_iso

        att = attestation_for(self.config, req.kind, entry["book"], entry["number_text"],
                              parse_iso(entry["at"]), title, name)
        scan = self.joined_scan(shas(req.files)) if req.files else None
        pdf = certified_copies(scan, att, req.copies,
                               on_page=str(self.config.get("certify.stamp")) == "page",
                               title=entry["document"])
        stored = self.store.put_file_info(pdf)
        self.store.call(lambda db: register_db.set_output(db, entry["id"], stored.sha256,
                                                          len(pdf)))
        return stored.sha256

    def joined_scan(self, shas: list[str]) -> bytes:
        """The document's pages as one PDF (a scan is one file per page)."""
        import io

        import pikepdf

        if len(shas) == 1:
            return self.store.file_path(shas[0]).read_bytes()
        out = pikepdf.new()
        opened = [pikepdf.Pdf.open(self.store.file_path(s)) for s in shas]
        try:
            for src in opened:
                out.pages.extend(src.pages)
            buf = io.BytesIO()
            out.save(buf)
            return buf.getvalue()
        finally:
            for src in opened:
                src.close()
            out.close()
