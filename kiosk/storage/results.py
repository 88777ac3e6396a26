"""A dossier's results on the counter (issue 24): the documents the province issued
electronically (downloaded by sync) and the paper results scanned at hand-over.

A result is a file in the content-addressed store like any scan (``files`` references it, so
the start-up sweep keeps it and backups carry it), with its facts: kind, number, dates,
issuer, its digitisation code, where it came from and, for a downloaded one, the verdict on
its signature. Each arrival is a line in the dossier's timeline (a status event that keeps
the status, as the server's notices are). A result scanned here is queued for the server in
the same transaction (outbox kind ``result.add``, its file as the operation's blob). At
hand-over what was given is recorded per result (paper, the electronic file, or both), and a
hand-over with no result on file needs a reason.
"""

from __future__ import annotations

import json
from typing import Any

import uuid_utils

from kiosk.clock import iso, now
from kiosk.i18n import _
from kiosk.storage import dossier_facts, outbox
from kiosk.storage.audit_log import audit
from kiosk.storage.sqlite import Database

SCHEMA = """
CREATE TABLE results (
    id TEXT PRIMARY KEY,
    dossier_id TEXT NOT NULL REFERENCES dossiers(id),
    kind TEXT NOT NULL,
    number TEXT NOT NULL DEFAULT '',
    issued TEXT,
    valid_until TEXT,
    issuer TEXT NOT NULL DEFAULT '',
    code TEXT NOT NULL,
    sha256 TEXT NOT NULL REFERENCES files(sha256),
    size INTEGER NOT NULL,
    origin TEXT NOT NULL CHECK (origin IN ('province', 'counter')),
    signature TEXT,
    actor TEXT NOT NULL,
    received_at TEXT NOT NULL,
    handed_over TEXT CHECK (handed_over IN ('paper', 'electronic', 'both')),
    handed_over_at TEXT
);
CREATE INDEX results_dossier ON results (dossier_id);
CREATE TABLE result_handovers (
    dossier_id TEXT PRIMARY KEY REFERENCES dossiers(id),
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    unscanned_reason TEXT
);
CREATE TABLE result_refusals (
    seq INTEGER PRIMARY KEY,
    dossier_id TEXT NOT NULL,
    result_id TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    reason TEXT NOT NULL,
    at TEXT NOT NULL
)
"""

#: Migration 0035: how an electronic result was given (printed on the spot, or sent).
DELIVERY_SCHEMA = """
ALTER TABLE results ADD COLUMN delivered TEXT CHECK (delivered IN ('printed', 'sent'))
"""

GIVEN = ("paper", "electronic", "both")
DELIVERED = ("printed", "sent")
#: Outbox kind of the hand-over record sent to the server (kiosk.sync.handover_push).
HANDOVER_KIND = "result.handover"
_COLUMNS = ("id", "kind", "number", "issued", "valid_until", "issuer", "code", "sha256", "size",
            "origin", "signature", "received_at", "handed_over", "handed_over_at", "delivered")


def has_tables(db: Database) -> bool:
    return db.has_table("results")


def for_dossier(db: Database, dossier_id: str) -> list[dict[str, Any]]:
    if not has_tables(db):
        return []
    cur = db.execute(f"SELECT {', '.join(_COLUMNS)} FROM results WHERE dossier_id = ? "
                     "ORDER BY received_at, id", (dossier_id,))
    rows = [dict(zip(_COLUMNS, r, strict=True)) for r in cur.fetchall()]
    for row in rows:
        row["signature"] = json.loads(row["signature"]) if row["signature"] else None
    return rows


def handover(db: Database, dossier_id: str) -> dict[str, Any] | None:
    if not has_tables(db):
        return None
    row = db.execute("SELECT at, actor, unscanned_reason FROM result_handovers "
                     "WHERE dossier_id = ?", (dossier_id,)).fetchone()
    return None if row is None else {"at": row[0], "actor": row[1], "unscanned_reason": row[2]}


def view(db: Database, dossier_id: str) -> dict[str, Any]:
    """What the screens read beside the record: ``results`` and ``result_handover``."""
    return {"results": for_dossier(db, dossier_id), "result_handover": handover(db, dossier_id)}


def next_seq(db: Database, prefix: str) -> int:
    """The next ``{seq}`` of a digitisation code starting with ``prefix`` on this counter."""
    taken = db.execute("SELECT count(*) FROM results WHERE substr(code, 1, ?) = ?",
                       (len(prefix), prefix)).fetchone()[0]
    return int(taken) + 1


def _timeline(db: Database, dossier_id: str, actor: str, note: str) -> None:
    status = db.execute("SELECT status FROM dossiers WHERE id = ?", (dossier_id,)).fetchone()[0]
    dossier_facts.add_status_event(db, dossier_id, iso(now()), status, status, actor, note)


def add(db: Database, *, dossier_id: str, facts: dict[str, Any], size: int, mime: str,
        origin: str, actor: str, signature: dict[str, Any] | None = None,
        result_id: str | None = None, dossier_code: str = "") -> dict[str, Any]:
    """Record a result whose file is already durable in the file store (one transaction).

    ``facts``: kind, number, issued, valid_until, issuer, code, sha256. A result scanned here
    (``origin="counter"``) is queued for the server with its file; one downloaded from the
    server (``origin="province"``, ``result_id`` as the server named it) is not sent back.
    Returns the stored row, or the existing one when ``result_id`` is already here."""
    rid = result_id or str(uuid_utils.uuid7())
    stamp = iso(now())
    with db.atomic():
        found = db.execute("SELECT 1 FROM results WHERE id = ?", (rid,)).fetchone()
        if found is None:
            db.conn.execute("INSERT OR IGNORE INTO files (sha256, size, mime, created_at) "
                            "VALUES (?, ?, ?, ?)", (facts["sha256"], size, mime, stamp))
            row = {"id": rid, "dossier_id": dossier_id, "kind": facts["kind"],
                   "number": facts.get("number") or "", "issued": facts.get("issued"),
                   "valid_until": facts.get("valid_until"), "issuer": facts.get("issuer") or "",
                   "code": facts["code"], "sha256": facts["sha256"], "size": size,
                   "origin": origin,
                   "signature": json.dumps(signature, ensure_ascii=False) if signature else None,
                   "actor": actor, "received_at": stamp}
            db.conn.execute(f"INSERT INTO results ({', '.join(row)}) VALUES "
                            f"({', '.join('?' for _c in row)})", tuple(row.values()))
            dossier_facts.add_result(db, dossier_id, origin)
            if origin == "counter":
                note = _("Quét kết quả giấy: {kind} số {number}, mã số hoá {code}",
                         kind=facts["kind"], number=row["number"] or "—", code=facts["code"])
                payload = {"id": rid, "dossier_id": dossier_id, "dossier_code": dossier_code,
                           "kind": row["kind"], "number": row["number"],
                           "issued": row["issued"], "valid_until": row["valid_until"],
                           "issuer": row["issuer"], "code": row["code"],
                           "sha256": row["sha256"], "size": size}
                outbox.enqueue(db, "result.add", dossier_id, payload, [facts["sha256"]])
            else:
                note = _("Nhận kết quả điện tử: {kind} số {number}{signed}",
                         kind=facts["kind"], number=row["number"] or "—",
                         signed=signature_words(signature))
            _timeline(db, dossier_id, actor, note)
            audit(db, actor, "result.add", dossier_id, id=rid, origin=origin, code=row["code"],
                  sha256=row["sha256"])
    return next(r for r in for_dossier(db, dossier_id) if r["id"] == rid)


def signature_words(verdict: dict[str, Any] | None) -> str:
    """How a downloaded result's signature reads in the timeline."""
    if not verdict or not verdict.get("signed"):
        return _(" (không có chữ ký số)")
    if verdict.get("valid"):
        return _(" (chữ ký số hợp lệ: {signer})", signer=verdict.get("signer") or "?")
    return _(" (chữ ký số chưa xác thực được: {problem})",
             problem=str(verdict.get("problem") or "")[:200])


def refuse(db: Database, *, seq: int, dossier_id: str, facts: dict[str, Any],
           reason: str) -> bool:
    """A result from the server that failed its checks: kept out, but said (once per feed
    event) in the dossier's timeline and as a notice for the clerk."""
    if db.execute("SELECT 1 FROM dossiers WHERE id = ?", (dossier_id,)).fetchone() is None:
        return False
    stamp = iso(now())
    with db.atomic():
        if db.conn.execute(
                "INSERT INTO result_refusals (seq, dossier_id, result_id, sha256, reason, at) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(seq) DO NOTHING",
                (seq, dossier_id, str(facts.get("id") or ""), str(facts.get("sha256") or ""),
                 reason, stamp)).rowcount != 1:
            return False
        text = _("Từ chối kết quả điện tử {kind} số {number}: {reason}",
                 kind=str(facts.get("kind") or "?"), number=str(facts.get("number") or "—"),
                 reason=reason)
        _timeline(db, dossier_id, "central", text)
        if db.has_table("sync_notices"):  # Home's notices (kiosk.sync.state)
            db.conn.execute("INSERT INTO sync_notices (seq, dossier_id, kind, note, at) VALUES "
                            "(?, ?, 'result_refused', ?, ?) ON CONFLICT(seq) DO NOTHING",
                            (seq, dossier_id, text, stamp))
        audit(db, "central", "result.refused", dossier_id, seq=seq, reason=reason,
              result=facts)
    return True


def record_handover(db: Database, dossier_id: str, given: dict[str, str], reason: str,
                    actor: str, delivered: dict[str, str] | None = None,
                    recipient: str = "") -> None:
    """What was given at hand-over (inside the hand-over's transaction), queued for the
    server in the same transaction (outbox ``result.handover``, sent once)."""
    stamp = iso(now())
    delivered = delivered or {}
    for rid, how in given.items():
        db.conn.execute("UPDATE results SET handed_over = ?, handed_over_at = ?, delivered = ? "
                        "WHERE id = ? AND dossier_id = ?",
                        (how, stamp, delivered.get(rid), rid, dossier_id))
    db.conn.execute("INSERT OR REPLACE INTO result_handovers (dossier_id, at, actor, "
                    "unscanned_reason) VALUES (?, ?, ?, ?)",
                    (dossier_id, stamp, actor, reason or None))
    code = db.execute("SELECT code FROM dossiers WHERE id = ?", (dossier_id,)).fetchone()[0]
    payload = {"dossier_id": dossier_id, "dossier_code": code, "at": stamp, "actor": actor,
               "recipient": recipient[:200], "unscanned_reason": reason or None,
               "results": [{"id": rid, "given": how, "delivered": delivered.get(rid)}
                           for rid, how in sorted(given.items())]}
    outbox.enqueue(db, HANDOVER_KIND, dossier_id, payload, [])
    audit(db, actor, "result.handover", dossier_id, given=given, delivered=delivered,
          unscanned_reason=reason)
