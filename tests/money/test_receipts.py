"""Receipts through the CLI on real SQLite files: numbering, voids that keep their number,
refunds, the handover lock, the audit and timeline, and every bad input refused in Vietnamese
with nothing written."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from .helpers import configure, kiosk, kiosk_json

TABLES = ("receipts", "receipt_counters", "receipt_refunds", "cash_handovers", "outbox",
          "audit_log", "status_events", "register_entries", "register_counters", "dossiers")


def snapshot(home: Path) -> dict[str, Any]:
    db = sqlite3.connect(f"file:{home / 'data' / 'kiosk.sqlite3'}?mode=ro", uri=True)
    try:
        out: dict[str, Any] = {t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                               for t in TABLES}
        out["numbers"] = db.execute("SELECT * FROM receipt_counters ORDER BY 1, 2, 3").fetchall()
        out["receipt_rows"] = db.execute("SELECT * FROM receipts ORDER BY id").fetchall()
        return out
    finally:
        db.close()


def new_dossier(home: Path, procedure: str = "2.000884", name: str = "Phan Văn Hùng") -> str:
    return str(kiosk_json("dossier", "new", "--procedure", procedure, "--name", name,
                          home=home)["code"])


@pytest.fixture
def unit(kiosk_home: Path) -> Path:
    configure(kiosk_home)
    return kiosk_home


def test_receipts_are_numbered_and_a_void_keeps_its_number(unit: Path) -> None:
    codes = [new_dossier(unit, name=f"Người {i}") for i in range(3)]
    first = kiosk_json("fee", "collect", codes[0], "--method", "cash", home=unit)["receipt"]
    assert set(first) >= {"series", "number", "amount", "amount_words", "method", "dossier",
                          "clerk", "at"}
    year = int(first["at"][:4])
    assert (first["series"], first["number"], first["amount"]) == (
        f"Q1-{year % 100:02d}E", 1, 10_000)
    assert first["amount_words"] == "Mười nghìn đồng" and first["clerk"] == "canbo"
    voided = kiosk_json("fee", "void", first["ref"], "--reason", "Ghi nhầm người nộp",
                        home=unit)["receipt"]
    assert voided["voided"] is True and voided["number"] == first["number"]
    # The voided number stays used: the next receipts continue after it.
    again = kiosk_json("fee", "collect", codes[0], "--method", "cash", home=unit)["receipt"]
    second = kiosk_json("fee", "collect", codes[1], "--method", "transfer", home=unit)["receipt"]
    assert [again["number"], second["number"]] == [first["number"] + 1, first["number"] + 2]
    shown = kiosk_json("fee", "receipt", first["ref"], home=unit)["receipt"]
    assert shown["voided"] and shown["void_reason"] == "Ghi nhầm người nộp"
    book = kiosk_json("fee", "book", "--date", first["at"][:10], home=unit)
    assert [r["number"] for r in book["receipts"]] == [1, 2, 3]
    assert book["totals"]["voided"] == 1 and book["totals"]["cash"] == 10_000
    assert book["totals"]["transfer"] == 10_000
    # Timeline and audit say what happened.
    record = kiosk_json("dossier", "show", codes[0], home=unit)
    notes = [e["note"] for e in record["events"]]
    assert any(first["ref"] in n and "Huỷ" in n for n in notes)
    assert sum(1 for n in notes if n.startswith("Thu phí")) == 2
    db = sqlite3.connect(unit / "data" / "kiosk.sqlite3")
    actions = [r[0] for r in db.execute("SELECT action FROM audit_log WHERE action LIKE 'fee.%' "
                                        "ORDER BY id")]
    assert actions == ["fee.collect", "fee.void", "fee.collect", "fee.collect"]
    kinds = [r[0] for r in db.execute("SELECT kind FROM outbox WHERE kind LIKE 'receipt.%' "
                                      "ORDER BY id")]
    assert kinds == ["receipt.issue", "receipt.void", "receipt.issue", "receipt.issue"]


def test_a_receipt_is_never_deleted_or_rewritten(unit: Path) -> None:
    code = new_dossier(unit)
    kiosk_json("fee", "collect", code, "--method", "cash", home=unit)
    db = sqlite3.connect(unit / "data" / "kiosk.sqlite3")
    for sql in ("DELETE FROM receipts", "UPDATE receipts SET amount = 1",
                "UPDATE receipts SET number = 99", "UPDATE receipts SET payer = 'X'"):
        with pytest.raises(sqlite3.DatabaseError):
            db.execute(sql)
    db.execute("UPDATE receipts SET voided_at = 'x', void_reason = 'y', voided_by = 'z'")
    with pytest.raises(sqlite3.DatabaseError):
        db.execute("UPDATE receipts SET void_reason = 'other'")
    db.rollback()


def test_handover_locks_the_day(unit: Path, tmp_path: Path) -> None:
    codes = [new_dossier(unit, name=f"Người {i}") for i in range(3)]
    receipts = [kiosk_json("fee", "collect", c, "--method", m, home=unit)["receipt"]
                for c, m in zip(codes, ("cash", "cash", "transfer"), strict=True)]
    day = receipts[0]["at"][:10]
    r = kiosk("fee", "handover", "--date", day, "--amount", "15000", home=unit)
    assert r.returncode == 2 and "khác số tiền mặt phải nộp 20.000" in r.stderr
    pdf = tmp_path / "nop-tien.pdf"
    done = kiosk_json("fee", "handover", "--date", day, "--amount", "20.000", "--pdf", str(pdf),
                      home=unit)
    assert done["handover"]["expected"] == 20_000 and done["handover"]["receipts"] == 3
    assert pdf.read_bytes().startswith(b"%PDF")
    # Locked: a void is refused (refund instead), and there is nothing left to hand over.
    r = kiosk("fee", "void", receipts[0]["ref"], "--reason", "nhầm", home=unit)
    assert r.returncode == 2 and "khoá sổ" in r.stderr and "refund" in r.stderr
    r = kiosk("fee", "handover", "--date", day, "--amount", "0", home=unit)
    assert r.returncode == 2 and "chưa nộp tiền" in r.stderr
    refund = kiosk_json("fee", "refund", receipts[0]["ref"], "--amount", "4000", "--reason",
                        "Thu thừa", home=unit)["refund"]
    assert refund["amount"] == 4_000 and refund["receipt"] == receipts[0]["ref"]
    book = kiosk_json("fee", "book", "--date", day, home=unit)
    assert book["totals"]["refunded"] == 4_000 and book["open"]["cash_to_hand_over"] == -4_000
    # The refund is paid from the drawer: the next handover is short by it, with a note.
    done = kiosk_json("fee", "handover", "--date", day, "--amount", "0", "--note",
                      "Đã hoàn trả 4.000 đồng", home=unit)["handover"]
    assert done["expected"] == -4_000 and done["difference"] == 4_000


def _refused(home: Path, words: str, *args: str) -> None:
    before = snapshot(home)
    r = kiosk(*args, home=home)
    assert r.returncode == 2, (args, r.stdout, r.stderr)
    assert r.stdout == "" and words in r.stderr, (args, r.stderr)
    assert "Traceback" not in r.stderr and "Lỗi không mong đợi" not in r.stderr
    assert snapshot(home) == before, args


def test_bad_input_is_refused_and_nothing_is_written(unit: Path) -> None:
    code = new_dossier(unit)
    province = new_dossier(unit, procedure="1.000656", name="Trần Văn Lộc")  # fee set by HĐND
    _refused(unit, "không hợp lệ: phải lớn hơn 0", "fee", "collect", province, "--method",
             "cash", "--amount", "-5000")
    _refused(unit, "vượt mức tối đa 100.000.000", "fee", "collect", province, "--method", "cash",
             "--amount", "5000000000")
    _refused(unit, "không phải số tiền", "fee", "collect", province, "--method", "cash",
             "--amount", "năm nghìn")
    _refused(unit, "do tỉnh quy định", "fee", "collect", province, "--method", "cash")
    _refused(unit, "khác số phải thu 10.000", "fee", "collect", code, "--method", "cash",
             "--amount", "1")
    _refused(unit, "Hình thức thu «bitcoin» không hợp lệ", "fee", "collect", code, "--method",
             "bitcoin")
    done = kiosk_json("fee", "collect", code, "--method", "cash", home=unit)["receipt"]
    _refused(unit, "đã thu phí, lệ phí", "fee", "collect", code, "--method", "transfer")
    kiosk_json("fee", "void", done["ref"], "--reason", "Sai số tiền", home=unit)
    _refused(unit, "đã bị huỷ", "fee", "void", done["ref"], "--reason", "lần nữa")
    _refused(unit, "không phải số biên lai", "fee", "void", "12345", "--reason", "x")
    _refused(unit, "Không có biên lai", "fee", "void", "Q1-26E-0000099", "--reason", "x")
    _refused(unit, "đã bị huỷ, không hoàn trả", "fee", "refund", done["ref"], "--amount",
             "1000", "--reason", "x")
    _refused(unit, "không hợp lệ", "fee", "handover", "--date", "2026-02-30", "--amount", "0")
    _refused(unit, "chưa tới", "fee", "handover", "--date", "2199-01-01", "--amount", "0")
    _refused(unit, "không hợp lệ", "fee", "handover", "--date", date.today().isoformat(),
             "--amount", "-1")
    free = new_dossier(unit, procedure="1.000894", name="Lò Văn Pả")  # marriage: free
    _refused(unit, "không phải nộp phí", "fee", "collect", free, "--method", "cash")
    _refused(unit, "Không tìm thấy hồ sơ", "fee", "collect", "000.00.04.H40-261123-1999",
             "--method", "cash")
