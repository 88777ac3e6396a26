"""Dossiers submitted online or by post, as this counter knows them (migration 0040).

The change feed names a new submission (kind ``incoming``) and later its decision
(``incoming_decided``); the sync pass then fetches what it holds (applicant, procedure, the
files' hashes). A row stays ``waiting`` until a clerk here decides (``accepted`` with the
code of the dossier made from it, ``refused`` with the reason and the code of the refused
dossier, ``supplement`` with the code of the dossier waiting for more papers), or another
counter of the unit did (``taken``).
"""

from __future__ import annotations

import json
from typing import Any

from kiosk.clock import iso, now
from kiosk.errors import NotFound
from kiosk.i18n import _
from kiosk.storage.sqlite import Database

SCHEMA = """
CREATE TABLE incoming (
    id TEXT PRIMARY KEY,
    state TEXT NOT NULL DEFAULT 'waiting'
        CHECK (state IN ('waiting', 'accepted', 'refused', 'supplement', 'taken')),
    fetched INTEGER NOT NULL DEFAULT 0,
    channel INTEGER,
    procedure_code TEXT,
    procedure_name TEXT,
    applicant TEXT,
    components TEXT,
    submitted_at TEXT,
    dossier_code TEXT,
    reason TEXT,
    decided_at TEXT,
    decided_by TEXT,
    updated_at TEXT NOT NULL
);
CREATE INDEX incoming_state ON incoming (state, submitted_at)
"""

STATES = ("waiting", "accepted", "refused", "supplement", "taken")


def note_submitted(db: Database, incoming_id: str) -> bool:
    """A feed event named a new submission: keep its id until its details are fetched."""
    cur = db.conn.execute("INSERT OR IGNORE INTO incoming (id, updated_at) VALUES (?, ?)",
                          (incoming_id, iso(now())))
    return cur.rowcount > 0


def note_decided(db: Database, incoming_id: str) -> bool:
    """Another counter decided (this counter's own decision is already recorded)."""
    cur = db.conn.execute("UPDATE incoming SET state = 'taken', updated_at = ? WHERE id = ?"
                          " AND state = 'waiting'", (iso(now()), incoming_id))
    if cur.rowcount == 0:
        # Decided before this counter ever saw it waiting: remember it as taken.
        cur = db.conn.execute("INSERT OR IGNORE INTO incoming (id, state, updated_at)"
                              " VALUES (?, 'taken', ?)", (incoming_id, iso(now())))
    return cur.rowcount > 0


def unfetched(db: Database) -> list[str]:
    return [r[0] for r in db.execute(
        "SELECT id FROM incoming WHERE fetched = 0 AND state = 'waiting' ORDER BY rowid")]


def store_details(db: Database, details: dict[str, Any]) -> None:
    """The server's answer for one submission (``GET /v1/incoming/{id}``)."""
    state = "waiting" if details["state"] == "waiting" else "taken"
    db.conn.execute(
        "UPDATE incoming SET fetched = 1, channel = ?, procedure_code = ?, procedure_name = ?,"
        " applicant = ?, components = ?, submitted_at = ?, updated_at = ?,"
        " state = CASE WHEN state = 'waiting' THEN ? ELSE state END WHERE id = ?",
        (int(details["channel"]), details["procedure"], details.get("procedure_name", ""),
         json.dumps(details["applicant"], ensure_ascii=False),
         json.dumps(details["components"], ensure_ascii=False), details["submitted_at"],
         iso(now()), state, details["id"]))


def forget(db: Database, incoming_id: str) -> None:
    """The server no longer knows it (404): it is not this unit's to handle."""
    db.conn.execute("UPDATE incoming SET state = 'taken', fetched = 1, updated_at = ?"
                    " WHERE id = ? AND state = 'waiting'", (iso(now()), incoming_id))


def _row(r: Any) -> dict[str, Any]:
    out = dict(r)
    out["applicant"] = json.loads(out["applicant"]) if out.get("applicant") else {}
    out["components"] = json.loads(out["components"]) if out.get("components") else []
    out.pop("fetched", None)
    return out


_COLUMNS = ("id, state, fetched, channel, procedure_code, procedure_name, applicant,"
            " components, submitted_at, dossier_code, reason, decided_at, decided_by,"
            " updated_at")


def waiting(db: Database) -> list[dict[str, Any]]:
    """Submissions waiting for a decision, oldest first (only those fetched: a list row
    needs the applicant and the procedure)."""
    return [_row(r) for r in db.query(
        f"SELECT {_COLUMNS} FROM incoming WHERE state = 'waiting' AND fetched = 1"
        " ORDER BY submitted_at, id")]


def count_waiting(db: Database) -> int:
    row = db.execute("SELECT count(*) FROM incoming WHERE state = 'waiting' AND fetched = 1"
                     ).fetchone()
    return int(row[0])


def get(db: Database, incoming_id: str) -> dict[str, Any]:
    row = next(db.query(f"SELECT {_COLUMNS} FROM incoming WHERE id = ?", (incoming_id,)), None)
    if row is None or not row["fetched"]:
        raise NotFound(_("Không tìm thấy hồ sơ nộp trực tuyến {id}.", id=incoming_id[:40]),
                       hint=_("Xem danh sách bằng «kiosk dossier incoming» (đồng bộ trước)."))
    return _row(row)


def mark_decided(db: Database, incoming_id: str, state: str, *, code: str, actor: str,
                 reason: str = "") -> None:
    """This counter's decision, in the transaction of the dossier it made."""
    db.conn.execute("UPDATE incoming SET state = ?, dossier_code = ?, reason = ?,"
                    " decided_at = ?, decided_by = ?, updated_at = ? WHERE id = ?",
                    (state, code, reason or None, iso(now()), actor, iso(now()), incoming_id))


def mark_taken(db: Database, incoming_id: str) -> None:
    db.conn.execute("UPDATE incoming SET state = 'taken', updated_at = ? WHERE id = ?"
                    " AND state = 'waiting'", (iso(now()), incoming_id))
