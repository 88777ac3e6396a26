"""Fees at the counter: quote, collect (cash, transfer, exemption), void, refund, VietQR, the
clerk's cash book and handover. One object over a :class:`kiosk.storage.Store`, used by the
CLI (``kiosk fee``), the certification flow and the UI.

Every write is one transaction on the store's writer thread (``kiosk.storage.money``); the
number it took is then appended to the store's issued-numbers log, so a restored backup can
never hand it out again.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from kiosk.clock import now
from kiosk.errors import ConfigError, InvalidInput
from kiosk.i18n import _
from kiosk.money import vietqr
from kiosk.money.fees import (
    Quote,
    Reason,
    check_method,
    fee_from_json,
    fee_items,
    find_reason,
    parse_reasons,
)
from kiosk.money.numbering import parse_receipt_ref
from kiosk.money.words import WordStyle, amount_in_words, figures
from kiosk.storage import Store
from kiosk.storage import money as money_db
from kiosk.storage.sqlite import Database


def pdf_pages(path: Path) -> int:
    """Pages of a stored file: a PDF's page count, 1 for anything else (an image)."""
    import pikepdf

    try:
        with pikepdf.Pdf.open(path) as pdf:
            return len(pdf.pages)
    except (pikepdf.PdfError, ValueError):
        return 1


class Charge:
    """What one collection will record: the quote, the reason, the amount, the method."""

    def __init__(self, quote: Quote, method: str, reason: Reason | None, amount: int,
                 full_amount: int) -> None:
        self.quote, self.method, self.reason = quote, method, reason
        self.amount, self.full_amount = amount, full_amount


class Cashier:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.config = store.config

    # --- what is owed ---------------------------------------------------------------------

    def reasons(self) -> list[Reason]:
        return parse_reasons(self.config.get("fees.exemption_reasons"))

    def record(self, code: str) -> dict[str, Any]:
        return self.store.get_dossier(code)

    def document_pages(self, record: dict[str, Any]) -> list[int]:
        """Each handed-in document's pages: the sum of its stored files' page counts."""
        out = []
        for comp in record.get("components", []):
            if comp.get("presented") or not comp.get("pages"):
                continue
            out.append(sum(pdf_pages(self.store.file_path(p["sha256"])) for p in comp["pages"]))
        return out

    def copies(self, record: dict[str, Any]) -> int:
        entry = self.store.read(lambda db: _register_entry(db, record["id"]))
        return int(entry["copies"]) if entry else int(record.get("sets") or 1)

    def quote_record(self, record: dict[str, Any]) -> Quote:
        fees = [fee_from_json(f) for f in (record.get("procedure") or {}).get("fees", [])]
        return Quote(tuple(fee_items(fees, pages=self.document_pages(record),
                                     copies=self.copies(record))))

    def quote(self, code: str) -> dict[str, Any]:
        """``{"dossier", "items", "total", "exempt"}`` and what was already collected."""
        record = self.record(code)
        quote = self.quote_record(record)
        paid = self.store.read(lambda db: money_db.active_receipt(db, record["id"]))
        return {"dossier": record["code"], "items": [i.to_json() for i in quote.items],
                "total": quote.total,
                "exempt": quote.free or bool(paid and paid["method"] == "exempt"),
                "paid": _short(paid) if paid else None}

    def charge(self, quote: Quote, method: str, reason_text: str = "",
               amount: int | None = None) -> Charge:
        """Check the clerk's choice against the quote; refuses with a clear message."""
        check_method(method)
        if amount is not None:
            check_amount(amount, int(self.config.get("fees.max_receipt_amount")))
        reason = find_reason(self.reasons(), reason_text) if reason_text.strip() else None
        due = quote.total
        if due is None:
            if amount is None and method != "exempt":
                raise InvalidInput(
                    _("Mức phí, lệ phí của thủ tục này do tỉnh quy định, danh mục không ghi "
                      "số tiền."),
                    hint=_("Nhập số tiền theo nghị quyết của HĐND tỉnh (--amount N)."),
                    field="amount")
            due = amount or 0
        elif amount is not None and amount != due and method != "exempt":
            raise InvalidInput(
                _("Số tiền {amount} đồng khác số phải thu {due} đồng.", amount=figures(amount),
                  due=figures(due)),
                hint=_("Số phải thu tính từ danh mục và số trang, số bản; không nhập số khác."),
                field="amount")
        if due == 0 and method != "exempt":
            raise InvalidInput(_("Hồ sơ này không phải nộp phí, lệ phí."),
                               hint=_("Không lập biên lai cho hồ sơ miễn phí theo danh mục."))
        if method == "exempt":
            if reason is None:
                raise InvalidInput(_("Miễn phí, lệ phí cần ghi lý do."),
                                   hint=_("Chọn một lý do trong danh sách (--reason)."),
                                   field="reason")
            if not reason.exempts:
                raise InvalidInput(
                    _("Lý do «{reason}» chỉ giảm {percent}%, không miễn toàn bộ.",
                      reason=reason.text, percent=reason.percent),
                    hint=_("Thu tiền mặt hoặc chuyển khoản với lý do này (số tiền đã giảm)."),
                    field="reason")
            return Charge(quote, method, reason, 0, due)
        if reason is not None and reason.exempts:
            raise InvalidInput(
                _("Lý do «{reason}» là miễn toàn bộ.", reason=reason.text),
                hint=_("Chọn hình thức exempt (miễn) với lý do này."), field="method")
        reduced = reason.reduce(due) if reason else due
        if reduced <= 0:
            raise InvalidInput(_("Sau khi giảm không còn số tiền phải thu."),
                               hint=_("Chọn hình thức exempt (miễn)."), field="method")
        return Charge(quote, method, reason, reduced, due)

    # --- collecting -----------------------------------------------------------------------

    def receipt_fields(self, record: dict[str, Any], charge: Charge, clerk: str
                       ) -> dict[str, Any]:
        config = self.config
        names = "; ".join(i.name for i in charge.quote.items) or record["procedure_name"]
        return {
            "dossier_id": record["id"], "dossier_code": record["code"],
            "unit_code": str(config.get("unit.code")),
            "counter": int(config.get("counter.number")),
            "series_pattern": str(config.get("fees.receipt_series")),
            "form": str(config.get("fees.receipt_form")),
            "payer": (record.get("applicant") or {}).get("name", ""),
            "content": names,
            "items": [i.to_json() for i in charge.quote.items],
            "amount": charge.amount,
            "amount_words": amount_in_words(charge.amount, WordStyle.from_config(config)),
            "method": charge.method, "reason": charge.reason.text if charge.reason else "",
            "full_amount": charge.full_amount, "clerk": clerk,
        }

    def collect(self, code: str, method: str, *, clerk: str, reason: str = "",
                amount: int | None = None) -> dict[str, Any]:
        check_method(method)
        record = self.record(code)
        charge = self.charge(self.quote_record(record), method, reason, amount)
        fields = self.receipt_fields(record, charge, clerk)

        def write(db: Database) -> dict[str, Any]:
            with money_db.immediate(db):
                return insert(db, fields)

        saved = self.store.call(write)
        self.note_number(saved)
        return saved

    def note_number(self, receipt: dict[str, Any]) -> None:
        if receipt.get("number"):
            self.store.numbers.record("receipt", (receipt["unit_code"], receipt["series"],
                                                  receipt["year"]), int(receipt["number"]))

    def find(self, ref: str) -> dict[str, Any]:
        series, number = parse_receipt_ref(ref)
        unit = str(self.config.get("unit.code"))
        return self.store.read(lambda db: money_db.find_receipt(db, unit, series, number))

    def void(self, ref: str, reason: str, clerk: str) -> dict[str, Any]:
        series, number = parse_receipt_ref(ref)
        unit = str(self.config.get("unit.code"))
        return self.store.call(lambda db: money_db.void(db, unit, series, number,
                                                        reason=reason, clerk=clerk))

    def refund(self, ref: str, amount: int, reason: str, clerk: str) -> dict[str, Any]:
        check_amount(amount, int(self.config.get("fees.max_receipt_amount")))
        series, number = parse_receipt_ref(ref)
        unit = str(self.config.get("unit.code"))
        return self.store.call(lambda db: money_db.refund(
            db, unit, series, number, amount=amount, reason=reason, clerk=clerk))

    def vietqr(self, code: str) -> dict[str, Any]:
        """The transfer QR for what the dossier still owes."""
        record = self.record(code)
        quote = self.quote_record(record)
        paid = self.store.read(lambda db: money_db.active_receipt(db, record["id"]))
        if paid is not None:
            raise InvalidInput(_("Hồ sơ {code} đã thu phí, lệ phí (biên lai {ref}).",
                                 code=record["code"], ref=paid["ref"] or paid["reason"]))
        if not quote.total:
            raise InvalidInput(
                _("Hồ sơ {code} không có số tiền phải thu để chuyển khoản.",
                  code=record["code"]),
                hint=_("Thủ tục miễn phí, hoặc mức phí do tỉnh quy định: thu tiền mặt."))
        return self.transfer_qr(quote.total, record["code"])

    def transfer_qr(self, amount: int, code: str) -> dict[str, Any]:
        bank_bin = str(self.config.get("fees.bank_bin"))
        account = str(self.config.get("fees.bank_account"))
        if not bank_bin or not account:
            raise ConfigError(_("Chưa cấu hình tài khoản thu phí cho VietQR."),
                              hint=_("Quản trị viên đặt fees.bank_bin và fees.bank_account."))
        purpose = vietqr.purpose_for(code)
        return {"payload": vietqr.payload(bank_bin, account, amount, purpose),
                "amount": amount, "bank_bin": bank_bin, "account": account,
                "account_name": str(self.config.get("fees.bank_account_name")),
                "purpose": purpose}

    # --- the cash book ----------------------------------------------------------------------

    def book(self, day: date, clerk: str | None = None) -> dict[str, Any]:
        rows = self.store.read(lambda db: money_db.day_rows(db, day, clerk))
        return {"date": day.isoformat(), "clerk": clerk, **rows,
                "totals": money_db.totals(rows),
                "open": money_db.totals(rows, unlocked_only=True)}

    def handover(self, day: date, amount: int, clerk: str, note: str = "") -> dict[str, Any]:
        check_amount(amount, 10**12, allow_zero=True)
        if day > now().date():
            raise InvalidInput(_("Ngày {day} chưa tới.", day=day.isoformat()), field="date")
        return self.store.call(lambda db: money_db.handover(db, day, clerk, amount, note))


def insert(db: Database, fields: dict[str, Any]) -> dict[str, Any]:
    """A receipt (or exemption) from :meth:`Cashier.receipt_fields`, inside the caller's
    transaction."""
    return money_db.insert_receipt(db, **fields)


def check_amount(amount: int, cap: int, *, allow_zero: bool = False) -> None:
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise InvalidInput(_("Số tiền phải là số nguyên đồng."), field="amount")
    if amount < 0 or (amount == 0 and not allow_zero):
        raise InvalidInput(_("Số tiền {amount} không hợp lệ: phải lớn hơn 0.",
                             amount=figures(amount)), field="amount")
    if amount > cap:
        raise InvalidInput(
            _("Số tiền {amount} đồng vượt mức tối đa {cap} đồng: có lẽ nhập nhầm.",
              amount=figures(amount), cap=figures(cap)),
            hint=_("Kiểm tra lại số tiền (mức tối đa: fees.max_receipt_amount)."),
            field="amount")


def _register_entry(db: Database, dossier_id: str) -> dict[str, Any] | None:
    from kiosk.storage.register import dossier_entry

    return dossier_entry(db, dossier_id)


def _short(receipt: dict[str, Any]) -> dict[str, Any]:
    return {k: receipt[k] for k in ("ref", "amount", "method", "reason", "at")}


def receipt_json(receipt: dict[str, Any], dossier_code: str) -> dict[str, Any]:
    """The CLI's ``receipt`` object."""
    return {"series": receipt["series"], "number": receipt["number"],
            "ref": receipt["ref"], "amount": receipt["amount"],
            "amount_words": receipt["amount_words"], "method": receipt["method"],
            "reason": receipt["reason"], "dossier": dossier_code, "clerk": receipt["clerk"],
            "at": receipt["at"]}


