"""The certification register (sổ chứng thực): one entry per certification, numbered per book.

A number (số chứng thực) is taken from ``register_counters`` in the same transaction as the
entry, so it is gapless within its book and never reused; the book is the counter's own
(``kiosk.money.numbering``), so counters certifying offline at the same time never collide.
Several copies of one original made at one time share one number (TT 01/2020 Art. 4). Entries
are never deleted (a trigger refuses it); each one is queued for the central server
(``register.entry``), which keeps every counter's entries.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from kiosk.clock import iso, now
from kiosk.errors import StorageError
from kiosk.i18n import _
from kiosk.money.numbering import register_number
from kiosk.storage import outbox
from kiosk.storage.dossiers import audit
from kiosk.storage.money import new_id
from kiosk.storage.sqlite import Database

KINDS = ("copy", "signature", "contract")
MAX_NUMBER = 999_999

SCHEMA = """
CREATE TABLE register_counters (
    unit_code TEXT NOT NULL,
    book TEXT NOT NULL,
    year INTEGER NOT NULL,
    last_number INTEGER NOT NULL,
    PRIMARY KEY (unit_code, book, year)
);
CREATE TABLE register_entries (
    id TEXT PRIMARY KEY,
    dossier_id TEXT NOT NULL REFERENCES dossiers(id),
    unit_code TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('copy', 'signature', 'contract')),
    book TEXT NOT NULL,
    year INTEGER NOT NULL,
    number INTEGER NOT NULL CHECK (number >= 1),
    counter INTEGER NOT NULL,
    document TEXT NOT NULL,
    copies INTEGER NOT NULL CHECK (copies >= 1),
    pages INTEGER NOT NULL CHECK (pages >= 0),
    requester TEXT NOT NULL,
    requester_id TEXT NOT NULL DEFAULT '',
    signer_title TEXT NOT NULL,
    signer_name TEXT NOT NULL,
    fee INTEGER NOT NULL,
    receipt_id TEXT REFERENCES receipts(id),
    clerk TEXT NOT NULL,
    at TEXT NOT NULL,
    day TEXT NOT NULL,
    output_sha256 TEXT,
    UNIQUE (unit_code, book, number)
);
CREATE INDEX register_entries_day ON register_entries (day);
CREATE TRIGGER register_entries_never_deleted BEFORE DELETE ON register_entries
BEGIN SELECT RAISE(ABORT, 'a register entry is never deleted'); END
"""

#: Sent to the server and printed in the register.
FIELDS = ("id", "dossier_id", "unit_code", "kind", "book", "year", "number", "counter",
          "document", "copies", "pages", "requester", "requester_id", "signer_title",
          "signer_name", "fee", "receipt_id", "clerk", "at", "day")


def next_number(db: Database, unit_code: str, book: str, year: int) -> int:
    row = db.conn.execute(
        "INSERT INTO register_counters (unit_code, book, year, last_number) VALUES (?, ?, ?, 1) "
        "ON CONFLICT (unit_code, book, year) DO UPDATE SET last_number = last_number + 1 "
        "RETURNING last_number", (unit_code, book, year)).fetchone()
    number = int(row[0])
    if number > MAX_NUMBER:
        raise StorageError(_("Quyển sổ chứng thực {book} đã hết số.", book=book))
    return number


def insert_entry(db: Database, *, dossier_id: str, dossier_code: str, unit_code: str,
                 kind: str, book: str, counter: int, document: str, copies: int, pages: int,
                 requester: str, requester_id: str, signer_title: str, signer_name: str,
                 fee: int, receipt_id: str | None, clerk: str) -> dict[str, Any]:
    """Inside the caller's transaction: number, entry, audit, outbox."""
    at = now()
    number = next_number(db, unit_code, book, at.year)
    row = {"id": new_id(), "dossier_id": dossier_id, "unit_code": unit_code, "kind": kind,
           "book": book, "year": at.year, "number": number, "counter": counter,
           "document": document, "copies": copies, "pages": pages, "requester": requester,
           "requester_id": requester_id, "signer_title": signer_title,
           "signer_name": signer_name, "fee": fee, "receipt_id": receipt_id, "clerk": clerk,
           "at": iso(at), "day": at.date().isoformat()}
    db.conn.execute(f"INSERT INTO register_entries ({', '.join(row)}) VALUES "
                    f"({', '.join('?' for _c in row)})", tuple(row.values()))
    audit(db, clerk, "certify.register", dossier_id, code=dossier_code, book=book,
          number=number, kind=kind, copies=copies, signer=signer_name)
    outbox.enqueue(db, "register.entry", dossier_id,
                   {**row, "dossier_code": dossier_code}, [])
    return {**row, "number_text": register_number(number)}


def set_output(db: Database, entry_id: str, sha256: str, size: int) -> None:
    """The stamped copies (a PDF already in the file store): its ``files`` row makes it
    referenced, so the start-up sweep keeps it and backups carry it."""
    with db.atomic():
        db.conn.execute("INSERT OR IGNORE INTO files (sha256, size, mime, created_at) "
                        "VALUES (?, ?, 'application/pdf', ?)", (sha256, size, iso(now())))
        db.conn.execute("UPDATE register_entries SET output_sha256 = ? WHERE id = ?",
                        (sha256, entry_id))


def entries(db: Database, first: date, last: date) -> list[dict[str, Any]]:
    rows = list(db.query(
        "SELECT e.*, d.code AS dossier_code, r.series AS receipt_series, "
        "r.number AS receipt_number, r.method AS receipt_method FROM register_entries e "
        "JOIN dossiers d ON d.id = e.dossier_id LEFT JOIN receipts r ON r.id = e.receipt_id "
        "WHERE e.day BETWEEN ? AND ? ORDER BY e.book, e.year, e.number",
        (first.isoformat(), last.isoformat())))
    for row in rows:
        row["number_text"] = register_number(int(row["number"]))
    return rows


def dossier_entry(db: Database, dossier_id: str) -> dict[str, Any] | None:
    row = next(db.query("SELECT * FROM register_entries WHERE dossier_id = ?",
                        (dossier_id,)), None)
    if row is not None:
        row["number_text"] = register_number(int(row["number"]))
    return row
