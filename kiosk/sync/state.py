"""The sync client's own tables, beside the storage layer's (same SQLite file, same writer).

``sync_meta``: the change-feed cursor, last success/error, the measured clock skew.
``sync_dossiers``: the server version each dossier was last acknowledged or pulled at.
``sync_requests``: the exact body first sent for an operation, so that every retry under its
Idempotency-Key is byte-identical (a changed body under the same key would be refused).
"""

from __future__ import annotations

import json
from typing import Any

from kiosk.clock import iso, now
from kiosk.storage import outbox
from kiosk.storage.sqlite import Database

_DDL = """
CREATE TABLE IF NOT EXISTS sync_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sync_dossiers (
    dossier_id TEXT PRIMARY KEY,
    server_version INTEGER NOT NULL,
    server_seq INTEGER
);
CREATE TABLE IF NOT EXISTS sync_requests (
    operation_id TEXT PRIMARY KEY,
    body TEXT NOT NULL
);
"""


def ensure_tables(db: Database) -> None:
    db.conn.executescript(_DDL)


def get_meta(db: Database, key: str, default: str | None = None) -> str | None:
    row = db.execute("SELECT value FROM sync_meta WHERE key = ?", (key,)).fetchone()
    return row[0] if row else default


def set_meta(db: Database, key: str, value: str) -> None:
    db.conn.execute("INSERT INTO sync_meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO "
                    "UPDATE SET value = excluded.value", (key, value))


def server_version(db: Database, dossier_id: str) -> int | None:
    row = db.execute("SELECT server_version FROM sync_dossiers WHERE dossier_id = ?",
                     (dossier_id,)).fetchone()
    return int(row[0]) if row else None


def set_server_version(db: Database, dossier_id: str, version: int, seq: int | None) -> None:
    db.conn.execute(
        "INSERT INTO sync_dossiers (dossier_id, server_version, server_seq) VALUES (?, ?, ?) "
        "ON CONFLICT(dossier_id) DO UPDATE SET server_version = max(server_version, "
        "excluded.server_version), server_seq = coalesce(excluded.server_seq, server_seq)",
        (dossier_id, version, seq))


def frozen_body(db: Database, op_id: str) -> dict[str, Any] | None:
    row = db.execute("SELECT body FROM sync_requests WHERE operation_id = ?", (op_id,)).fetchone()
    return json.loads(row[0]) if row else None


def freeze_body(db: Database, op_id: str, body: dict[str, Any]) -> None:
    with db.atomic():
        db.conn.execute("INSERT OR REPLACE INTO sync_requests (operation_id, body) VALUES (?, ?)",
                        (op_id, json.dumps(body, ensure_ascii=False, sort_keys=True)))


def forget_body(db: Database, op_id: str) -> None:
    with db.atomic():
        db.conn.execute("DELETE FROM sync_requests WHERE operation_id = ?", (op_id,))


def acknowledge(db: Database, op_id: str, dossier_id: str, ack: dict[str, Any]) -> None:
    """The server's ack and the outbox state in one transaction (SYNC.md)."""
    with db.atomic():
        outbox.mark_done(db, op_id, ack)
        # After a rebase the local row may hold the server's older status; the ack is the
        # truth now (normally a no-op: the clerk's status is already the local one).
        apply_server_state(db, dossier_id, int(ack["status"]), int(ack["server_version"]),
                           None, actor="sync")
        set_server_version(db, dossier_id, int(ack["server_version"]), int(ack["server_seq"]))
        db.conn.execute("DELETE FROM sync_requests WHERE operation_id = ?", (op_id,))
        set_meta(db, "last_success", iso(now()))


def apply_server_state(db: Database, dossier_id: str, status: int, version: int,
                       note: str | None, actor: str = "central") -> bool:
    """Take the server's status for a dossier (the server owns processing status).

    Written without an outbox row: the change came from the server and must not echo back.
    Returns True when the local status changed.
    """
    row = db.execute("SELECT status, code FROM dossiers WHERE id = ?", (dossier_id,)).fetchone()
    if row is None:
        return False  # a dossier of another counter of the unit: not kept here
    known = server_version(db, dossier_id)
    if known is not None and known >= version:
        return False
    old, code = int(row[0]), row[1]
    changed = old != status
    stamp = iso(now())
    if changed:
        db.conn.execute("UPDATE dossiers SET status = ?, updated_at = ?, version = version + 1 "
                        "WHERE id = ?", (status, stamp, dossier_id))
        db.conn.execute(
            "INSERT INTO status_events (dossier_id, at, from_status, to_status, actor, note) "
            "VALUES (?, ?, ?, ?, ?, ?)", (dossier_id, stamp, old, status, actor, note or ""))
        db.conn.execute(
            "INSERT INTO audit_log (at, actor, action, dossier_id, details) VALUES (?, ?, ?, ?, ?)",
            (stamp, actor, "sync.pull_status", dossier_id,
             json.dumps({"code": code, "old": old, "new": status, "server_version": version},
                        ensure_ascii=False)))
        from kiosk.storage.late import track_status

        track_status(db, dossier_id, old, status, stamp, note=note or "")
    set_server_version(db, dossier_id, version, None)
    return changed
