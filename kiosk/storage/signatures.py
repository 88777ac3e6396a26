"""Which components' stored PDFs carry the clerk's signature (table of migration 0008).

Written in the save transaction at intake (:func:`record`) and when a component is signed
later (:func:`replace_signed`, which swaps the page's file for its signed version in the
same transaction as the outbox entry that sends it).
"""

from __future__ import annotations

import json
from typing import Any

from kiosk.clock import iso, now
from kiosk.storage import outbox, records
from kiosk.storage.sqlite import Database


def record(db: Database, component_id: int, dossier_id: str, sig: dict[str, Any]) -> None:
    db.conn.execute(
        "INSERT INTO component_signatures (component_id, dossier_id, state, signer, signed_at,"
        " timestamped, error, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (component_id) DO UPDATE SET state = excluded.state,"
        " signer = excluded.signer, signed_at = excluded.signed_at,"
        " timestamped = excluded.timestamped, error = excluded.error,"
        " updated_at = excluded.updated_at",
        (component_id, dossier_id, sig["state"], sig.get("signer"), sig.get("signed_at"),
         int(bool(sig.get("timestamped"))), sig.get("error"), iso(now())),
    )


def has_table(db: Database) -> bool:
    return db.has_table("component_signatures")


def unsigned_dossiers(db: Database, limit: int = 200) -> list[dict[str, Any]]:
    """Dossiers with at least one component flagged "chưa ký số", newest first."""
    rows = db.execute(
        "SELECT d.code, d.procedure_name, d.received_at, a.name, count(*) AS unsigned,"
        " max(s.error) AS error FROM component_signatures s"
        " JOIN dossiers d ON d.id = s.dossier_id"
        " JOIN applicants a ON a.dossier_id = d.id AND a.role = 'owner'"
        " WHERE s.state = 'unsigned' GROUP BY d.id ORDER BY d.num DESC LIMIT ?", (limit,)
    ).fetchall()
    return [{"code": code, "procedure_name": proc, "received_at": at, "name": name,
             "unsigned": int(n), "error": error} for code, proc, at, name, n, error in rows]


def unsigned_count(db: Database) -> int:
    return int(db.execute(
        "SELECT count(DISTINCT dossier_id) FROM component_signatures WHERE state = 'unsigned'"
    ).fetchone()[0])


def component_ids(db: Database, dossier_id: str) -> dict[int, int]:
    """Component id by position."""
    return {int(pos): int(cid) for cid, pos in db.execute(
        "SELECT id, position FROM components WHERE dossier_id = ?", (dossier_id,)).fetchall()}


def replace_signed(db: Database, dossier_id: str, actor: str,
                   done: list[dict[str, Any]], failed: dict[int, str]) -> dict[str, Any]:
    """Swap each signed component's page file for its signed version and queue the sync.

    ``done``: ``{"position", "old", "new", "size", "signer", "signed_at", "timestamped"}``
    per signed PDF; ``failed``: error text by component position (kept unsigned). One
    transaction: the record, the audit entry and the outbox entry commit together.
    """
    conn = db.conn
    conn.execute("BEGIN IMMEDIATE")
    try:
        ids = component_ids(db, dossier_id)
        stamp = iso(now())
        for item in done:
            comp_id = ids[item["position"]]
            conn.execute(
                "INSERT OR IGNORE INTO files (sha256, size, mime, created_at)"
                " VALUES (?, ?, 'application/pdf', ?)", (item["new"], item["size"], stamp))
            conn.execute("UPDATE pages SET sha256 = ? WHERE component_id = ? AND sha256 = ?",
                         (item["new"], comp_id, item["old"]))
            # Operations not yet sent upload the signed file too, so their PUT (built from
            # the record at send time) finds it on the server.
            for (op_id,) in conn.execute(
                    "SELECT o.id FROM outbox o JOIN outbox_blobs b ON b.operation_id = o.id"
                    " WHERE o.dossier_id = ? AND o.state != 'done' AND b.sha256 = ?",
                    (dossier_id, item["old"])).fetchall():
                conn.execute("INSERT OR IGNORE INTO outbox_blobs (operation_id, sha256)"
                             " VALUES (?, ?)", (op_id, item["new"]))
        signed_positions = {item["position"] for item in done} - set(failed)
        for position in signed_positions:
            item = next(i for i in done if i["position"] == position)
            record(db, ids[position], dossier_id, {
                "state": "signed", "signer": item["signer"], "signed_at": item["signed_at"],
                "timestamped": item["timestamped"]})
        for position, error in failed.items():
            record(db, ids[position], dossier_id, {"state": "unsigned", "error": error})
        if signed_positions:
            conn.execute("UPDATE dossiers SET updated_at = ?, version = version + 1"
                         " WHERE id = ?", (stamp, dossier_id))
            conn.execute(
                "INSERT INTO audit_log (at, actor, action, dossier_id, details)"
                " VALUES (?, ?, 'dossier.sign', ?, ?)",
                (stamp, actor, dossier_id, json.dumps(
                    {"components": sorted(signed_positions)}, ensure_ascii=False)))
            rec = records.dossier_record(db, dossier_id, with_procedure=False)
            outbox.enqueue(db, "dossier.upsert", dossier_id, rec, records.page_hashes(rec))
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return {"signed": sorted(signed_positions), "unsigned": sorted(failed)}
