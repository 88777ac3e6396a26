"""Receipts (biên lai thu phí, lệ phí), exemptions, voids, refunds and the clerk's handover.

Rules the tables keep by themselves (migration ``0020_money``):

- a receipt is never deleted, and what it says (number, amount, payer...) never changes: a
  mistake is *voided* with a reason, and the number stays used and shows as voided; triggers
  refuse a DELETE, an edit of the printed fields and a second void;
- a refund is its own row, never a change to the receipt;
- the number is taken from ``receipt_counters`` in the receipt's own ``BEGIN IMMEDIATE``
  transaction, so a rolled-back receipt gives it back and a committed one keeps it: gapless
  per series (``kiosk.money.numbering`` explains why counters never collide);
- each receipt, void and refund commits together with its outbox operation (``receipt.issue``,
  ``receipt.void``, ``receipt.refund``) and an audit entry;
- a handover ("Nộp tiền") locks the receipts of the clerk's day it covers: a locked receipt
  can no longer be voided (a refund is recorded instead).

An exemption is a row of the same table with ``kind = 'exemption'``: it records who was
exempted, why and by whom, but takes no receipt number (a receipt documents money
collected).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

import uuid_utils

from kiosk.clock import iso, now, to_local
from kiosk.errors import InvalidInput, NotFound, StorageError
from kiosk.i18n import _
from kiosk.money.numbering import MAX_RECEIPT_NUMBER, receipt_ref, receipt_series
from kiosk.money.words import figures
from kiosk.storage import dossier_facts, outbox
from kiosk.storage.dossiers import audit
from kiosk.storage.sqlite import Database

_PRINTED = ("id", "dossier_id", "kind", "unit_code", "form", "series", "year", "number",
            "counter", "payer", "content", "items", "amount", "amount_words", "method",
            "reason", "full_amount", "clerk", "at", "day")

SCHEMA = """
CREATE TABLE cash_handovers (
    id TEXT PRIMARY KEY,
    clerk TEXT NOT NULL,
    day TEXT NOT NULL,
    at TEXT NOT NULL,
    expected INTEGER NOT NULL,
    amount INTEGER NOT NULL CHECK (amount >= 0),
    note TEXT NOT NULL DEFAULT '',
    receipts INTEGER NOT NULL
);
CREATE INDEX cash_handovers_day ON cash_handovers (day, clerk);
CREATE TABLE receipts (
    id TEXT PRIMARY KEY,
    dossier_id TEXT NOT NULL REFERENCES dossiers(id),
    kind TEXT NOT NULL CHECK (kind IN ('receipt', 'exemption')),
    unit_code TEXT NOT NULL,
    form TEXT NOT NULL DEFAULT '',
    series TEXT,
    year INTEGER NOT NULL,
    number INTEGER,
    counter INTEGER NOT NULL,
    payer TEXT NOT NULL,
    content TEXT NOT NULL,
    items TEXT NOT NULL,
    amount INTEGER NOT NULL CHECK (amount >= 0),
    amount_words TEXT NOT NULL,
    method TEXT NOT NULL CHECK (method IN ('cash', 'transfer', 'exempt')),
    reason TEXT NOT NULL DEFAULT '',
    full_amount INTEGER NOT NULL,
    clerk TEXT NOT NULL,
    at TEXT NOT NULL,
    day TEXT NOT NULL,
    voided_at TEXT,
    voided_by TEXT,
    void_reason TEXT,
    handover_id TEXT REFERENCES cash_handovers(id),
    lookup_code TEXT,
    provider TEXT,
    CHECK ((kind = 'receipt') = (number IS NOT NULL AND series IS NOT NULL)),
    UNIQUE (unit_code, series, year, number)
);
CREATE INDEX receipts_dossier ON receipts (dossier_id);
CREATE INDEX receipts_day ON receipts (day, clerk);
CREATE TABLE receipt_counters (
    unit_code TEXT NOT NULL,
    series TEXT NOT NULL,
    year INTEGER NOT NULL,
    last_number INTEGER NOT NULL,
    PRIMARY KEY (unit_code, series, year)
);
CREATE TABLE receipt_refunds (
    id TEXT PRIMARY KEY,
    receipt_id TEXT NOT NULL REFERENCES receipts(id),
    amount INTEGER NOT NULL CHECK (amount > 0),
    reason TEXT NOT NULL,
    clerk TEXT NOT NULL,
    at TEXT NOT NULL,
    day TEXT NOT NULL,
    handover_id TEXT REFERENCES cash_handovers(id)
);
CREATE INDEX receipt_refunds_day ON receipt_refunds (day, clerk);
CREATE TRIGGER receipts_never_deleted BEFORE DELETE ON receipts
BEGIN SELECT RAISE(ABORT, 'a receipt is never deleted: void it'); END;
CREATE TRIGGER refunds_never_deleted BEFORE DELETE ON receipt_refunds
BEGIN SELECT RAISE(ABORT, 'a refund is never deleted'); END;
CREATE TRIGGER handovers_never_deleted BEFORE DELETE ON cash_handovers
BEGIN SELECT RAISE(ABORT, 'a handover is never deleted'); END;
CREATE TRIGGER receipts_printed_fields_fixed BEFORE UPDATE ON receipts
WHEN """ + " OR ".join(f"old.{c} IS NOT new.{c}" for c in _PRINTED) + """
  OR (old.voided_at IS NOT NULL AND (new.voided_at IS NOT old.voided_at
      OR new.void_reason IS NOT old.void_reason OR new.voided_by IS NOT old.voided_by))
  OR (old.handover_id IS NOT NULL AND new.handover_id IS NOT old.handover_id)
BEGIN SELECT RAISE(ABORT, 'a receipt''s printed fields, void and lock never change'); END
"""


def new_id() -> str:
    return str(uuid_utils.uuid7())


@contextmanager
def immediate(db: Database) -> Iterator[Database]:
    """One ``BEGIN IMMEDIATE`` transaction (numbers are taken inside: no other writer can
    take the same one meanwhile), or the caller's transaction when one is open."""
    conn = db.conn
    if conn.in_transaction:
        yield db
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


def next_receipt_number(db: Database, unit_code: str, series: str, year: int) -> int:
    row = db.conn.execute(
        "INSERT INTO receipt_counters (unit_code, series, year, last_number) VALUES (?, ?, ?, 1) "
        "ON CONFLICT (unit_code, series, year) DO UPDATE SET last_number = last_number + 1 "
        "RETURNING last_number", (unit_code, series, year)).fetchone()
    number = int(row[0])
    if number > MAX_RECEIPT_NUMBER:
        raise StorageError(
            _("Ký hiệu biên lai {series} đã dùng hết số của năm {year}.", series=series,
              year=year),
            hint=_("Đăng ký ký hiệu mới với cơ quan thuế rồi đổi fees.receipt_series."))
    return number


def receipt_row(row: dict[str, Any]) -> dict[str, Any]:
    """A stored row as the CLI and the forms show it."""
    out = dict(row)
    out["items"] = json.loads(out["items"]) if isinstance(out["items"], str) else out["items"]
    out["ref"] = receipt_ref(out["series"], out["number"]) if out["number"] else None
    out["voided"] = out.get("voided_at") is not None
    out["locked"] = out.get("handover_id") is not None
    return out


def active_receipt(db: Database, dossier_id: str) -> dict[str, Any] | None:
    """The dossier's receipt or exemption that is not voided, if any."""
    row = next(db.query("SELECT * FROM receipts WHERE dossier_id = ? AND voided_at IS NULL "
                        "ORDER BY at LIMIT 1", (dossier_id,)), None)
    return receipt_row(row) if row else None


def dossier_receipts(db: Database, dossier_id: str) -> list[dict[str, Any]]:
    return [receipt_row(r) for r in db.query(
        "SELECT * FROM receipts WHERE dossier_id = ? ORDER BY at, id", (dossier_id,))]


def insert_receipt(db: Database, *, dossier_id: str, dossier_code: str, unit_code: str,
                   counter: int, series_pattern: str, form: str, payer: str, content: str,
                   items: list[dict[str, Any]], amount: int, amount_words: str, method: str,
                   reason: str, full_amount: int, clerk: str,
                   at: datetime | None = None) -> dict[str, Any]:
    """Write a receipt (or, for ``method='exempt'``, an exemption) inside the caller's
    transaction, with its number, audit entry and outbox operation."""
    current = active_receipt(db, dossier_id)
    if current is not None:
        raise InvalidInput(
            _("Hồ sơ {code} đã thu phí, lệ phí (biên lai {ref}).", code=dossier_code,
              ref=current["ref"]) if current["kind"] == "receipt" else
            _("Hồ sơ {code} đã được ghi miễn phí, lệ phí ({reason}).", code=dossier_code,
              reason=current["reason"]),
            hint=_("Không thu lại. Nếu biên lai sai, huỷ biên lai đó (ghi lý do) rồi lập lại."),
            field="dossier")
    stamp = to_local(at) if at else now()
    kind = "exemption" if method == "exempt" else "receipt"
    number = None
    # The series carries the year the receipt is made in (numbers restart each 1 January).
    series = receipt_series(series_pattern, counter, stamp.year)
    if kind == "receipt":
        number = next_receipt_number(db, unit_code, series, stamp.year)
    row = {"id": new_id(), "dossier_id": dossier_id, "kind": kind, "unit_code": unit_code,
           "form": form if kind == "receipt" else "", "series": series if number else None,
           "year": stamp.year, "number": number, "counter": counter, "payer": payer,
           "content": content, "items": json.dumps(items, ensure_ascii=False),
           "amount": amount, "amount_words": amount_words, "method": method,
           "reason": reason, "full_amount": full_amount, "clerk": clerk, "at": iso(stamp),
           "day": stamp.date().isoformat()}
    db.conn.execute(f"INSERT INTO receipts ({', '.join(row)}) VALUES "
                    f"({', '.join('?' for _c in row)})", tuple(row.values()))
    saved = receipt_row(row)
    audit(db, clerk, "fee.exempt" if kind == "exemption" else "fee.collect", dossier_id,
          code=dossier_code, receipt=saved["ref"], amount=amount, method=method,
          reason=reason)
    outbox.enqueue(db, "receipt.issue", dossier_id,
                   {**{k: saved[k] for k in _PRINTED}, "dossier_code": dossier_code}, [])
    # The dossier's timeline shows the collection: an event that keeps the status.
    _timeline(db, dossier_id, clerk, iso(stamp),
              _("Thu phí, lệ phí {amount} đồng, biên lai {ref}", amount=figures(amount),
                ref=saved["ref"]) if kind == "receipt" else
              _("Miễn phí, lệ phí: {reason}", reason=reason))
    return saved


def _timeline(db: Database, dossier_id: str, actor: str, at: str, note: str) -> None:
    status = db.execute("SELECT status FROM dossiers WHERE id = ?", (dossier_id,)).fetchone()[0]
    dossier_facts.add_status_event(db, dossier_id, at, status, status, actor, note)


def find_receipt(db: Database, unit_code: str, series: str, number: int) -> dict[str, Any]:
    rows = [r for r in db.query("SELECT * FROM receipts WHERE unit_code = ? AND series = ? AND "
                                "number = ? ORDER BY year DESC", (unit_code, series, number))]
    if not rows:
        raise NotFound(_("Không có biên lai {ref}.", ref=receipt_ref(series, number)),
                       hint=_("Kiểm tra ký hiệu và số in trên biên lai."))
    return receipt_row(rows[0])


def void(db: Database, unit_code: str, series: str, number: int, *, reason: str,
         clerk: str) -> dict[str, Any]:
    reason = reason.strip()
    if not reason:
        raise InvalidInput(_("Ghi rõ lý do huỷ biên lai."), field="reason")
    with immediate(db):
        receipt = find_receipt(db, unit_code, series, number)
        if receipt["voided"]:
            raise InvalidInput(
                _("Biên lai {ref} đã bị huỷ lúc {at} ({reason}).", ref=receipt["ref"],
                  at=receipt["voided_at"], reason=receipt["void_reason"]),
                hint=_("Một biên lai chỉ huỷ một lần; số biên lai vẫn giữ nguyên."))
        if receipt["locked"]:
            raise InvalidInput(
                _("Biên lai {ref} đã nộp tiền (khoá sổ), không huỷ được.", ref=receipt["ref"]),
                hint=_("Lập phiếu hoàn trả: kiosk fee refund {ref} --amount N --reason LÝ_DO",
                       ref=receipt["ref"]))
        stamp = iso(now())
        db.conn.execute("UPDATE receipts SET voided_at = ?, voided_by = ?, void_reason = ? "
                        "WHERE id = ?", (stamp, clerk, reason, receipt["id"]))
        audit(db, clerk, "fee.void", receipt["dossier_id"], receipt=receipt["ref"],
              amount=receipt["amount"], reason=reason)
        outbox.enqueue(db, "receipt.void", receipt["dossier_id"],
                       {"id": receipt["id"], "voided_at": stamp, "voided_by": clerk,
                        "reason": reason}, [])
        _timeline(db, receipt["dossier_id"], clerk, stamp,
                  _("Huỷ biên lai {ref}: {reason}", ref=receipt["ref"], reason=reason))
        receipt.update(voided_at=stamp, voided_by=clerk, void_reason=reason, voided=True)
    return receipt


def refund(db: Database, unit_code: str, series: str, number: int, *, amount: int,
           reason: str, clerk: str) -> dict[str, Any]:
    reason = reason.strip()
    if not reason:
        raise InvalidInput(_("Ghi rõ lý do hoàn trả."), field="reason")
    with immediate(db):
        receipt = find_receipt(db, unit_code, series, number)
        if receipt["voided"]:
            raise InvalidInput(_("Biên lai {ref} đã bị huỷ, không hoàn trả.",
                                 ref=receipt["ref"]))
        paid_back = int(db.execute("SELECT coalesce(sum(amount), 0) FROM receipt_refunds "
                                   "WHERE receipt_id = ?", (receipt["id"],)).fetchone()[0])
        left = int(receipt["amount"]) - paid_back
        if amount <= 0 or amount > left:
            raise InvalidInput(
                _("Số tiền hoàn trả {amount} không hợp lệ: biên lai {ref} còn {left} đồng có "
                  "thể hoàn.", amount=figures(amount), ref=receipt["ref"],
                  left=figures(left)), field="amount")
        at = now()
        row = {"id": new_id(), "receipt_id": receipt["id"], "amount": amount, "reason": reason,
               "clerk": clerk, "at": iso(at), "day": at.date().isoformat()}
        db.conn.execute(f"INSERT INTO receipt_refunds ({', '.join(row)}) VALUES "
                        f"({', '.join('?' for _c in row)})", tuple(row.values()))
        audit(db, clerk, "fee.refund", receipt["dossier_id"], receipt=receipt["ref"],
              amount=amount, reason=reason)
        outbox.enqueue(db, "receipt.refund", receipt["dossier_id"], dict(row), [])
        _timeline(db, receipt["dossier_id"], clerk, row["at"],
                  _("Hoàn trả {amount} đồng của biên lai {ref}: {reason}",
                    amount=figures(amount),
                    ref=receipt["ref"], reason=reason))
    return {**row, "receipt": receipt["ref"]}


def set_lookup(db: Database, receipt_id: str, lookup_code: str, provider: str) -> None:
    """The e-receipt provider's look-up code, from the server's acknowledgement."""
    db.conn.execute("UPDATE receipts SET lookup_code = ?, provider = ? WHERE id = ?",
                    (lookup_code, provider, receipt_id))


# --- the cash book and the handover ---------------------------------------------------------

def day_rows(db: Database, day: date, clerk: str | None) -> dict[str, list[dict[str, Any]]]:
    where, params = "r.day = ?", [day.isoformat()]
    if clerk:
        where += " AND r.clerk = ?"
        params.append(clerk)
    receipts = [receipt_row(r) for r in db.query(
        "SELECT r.*, d.code AS dossier_code, d.procedure_code, d.procedure_name FROM receipts r "
        f"JOIN dossiers d ON d.id = r.dossier_id WHERE {where} ORDER BY r.at, r.id", params)]
    refunds = list(db.query(
        "SELECT f.*, r.series, r.number, r.method AS receipt_method FROM receipt_refunds f "
        f"JOIN receipts r ON r.id = f.receipt_id WHERE {where.replace('r.', 'f.')} "
        "ORDER BY f.at", params))
    for f in refunds:
        f["receipt"] = receipt_ref(f.pop("series"), f.pop("number"))
    handovers = list(db.query(
        "SELECT * FROM cash_handovers WHERE day = ?" + (" AND clerk = ?" if clerk else "")
        + " ORDER BY at", params))
    return {"receipts": receipts, "refunds": refunds, "handovers": handovers}


def totals(rows: dict[str, list[dict[str, Any]]], *, unlocked_only: bool = False
           ) -> dict[str, int]:
    receipts = [r for r in rows["receipts"] if not (unlocked_only and r["locked"])]
    refunds = [f for f in rows["refunds"] if not (unlocked_only and f["handover_id"])]
    live = [r for r in receipts if not r["voided"]]
    out = {"cash": sum(r["amount"] for r in live if r["method"] == "cash"),
           "transfer": sum(r["amount"] for r in live if r["method"] == "transfer"),
           "exempt": sum(1 for r in live if r["method"] == "exempt"),
           "receipts": sum(1 for r in live if r["kind"] == "receipt"),
           "voided": sum(1 for r in receipts if r["voided"]),
           "voided_amount": sum(r["amount"] for r in receipts if r["voided"]),
           "refunded": sum(f["amount"] for f in refunds)}
    out["collected"] = out["cash"] + out["transfer"]
    # Refunds are paid back in cash from the drawer.
    out["cash_to_hand_over"] = out["cash"] - out["refunded"]
    return out


def handover(db: Database, day: date, clerk: str, amount: int, note: str = ""
             ) -> dict[str, Any]:
    """Close the clerk's day (so far): record the amount handed over, lock the receipts."""
    with immediate(db):
        rows = day_rows(db, day, clerk)
        open_receipts = [r for r in rows["receipts"] if not r["locked"]]
        open_refunds = [f for f in rows["refunds"] if not f["handover_id"]]
        if not open_receipts and not open_refunds:
            raise InvalidInput(
                _("Ngày {day} không còn biên lai nào của {clerk} chưa nộp tiền.",
                  day=day.isoformat(), clerk=clerk),
                hint=_("Xem sổ thu: kiosk fee book --date {day}", day=day.isoformat()))
        expected = totals(rows, unlocked_only=True)["cash_to_hand_over"]
        if amount != expected and not note.strip():
            raise InvalidInput(
                _("Số tiền nộp {amount} đồng khác số tiền mặt phải nộp {expected} đồng.",
                  amount=figures(amount), expected=figures(expected)),
                hint=_("Đếm lại tiền; nếu đúng là chênh lệch, ghi rõ lý do (--note)."),
                field="amount")
        row = {"id": new_id(), "clerk": clerk, "day": day.isoformat(), "at": iso(now()),
               "expected": expected, "amount": amount, "note": note.strip(),
               "receipts": len(open_receipts)}
        db.conn.execute(f"INSERT INTO cash_handovers ({', '.join(row)}) VALUES "
                        f"({', '.join('?' for _c in row)})", tuple(row.values()))
        for r in open_receipts:
            db.conn.execute("UPDATE receipts SET handover_id = ? WHERE id = ?",
                            (row["id"], r["id"]))
        for f in open_refunds:
            db.conn.execute("UPDATE receipt_refunds SET handover_id = ? WHERE id = ?",
                            (row["id"], f["id"]))
        audit(db, clerk, "fee.handover", None, day=day.isoformat(), amount=amount,
              expected=expected, receipts=len(open_receipts), note=row["note"])
    return {**row, "difference": amount - expected}
