"""The sync client's own tables, beside the storage layer's (same SQLite file, same writer).

``sync_meta``: the change-feed cursor, last success/error, the measured clock skew.
``sync_dossiers``: the server version each dossier was last acknowledged or pulled at.
``sync_requests``: the exact body first sent for an operation, so that every retry under its
Idempotency-Key is byte-identical (a changed body under the same key would be refused).
``sync_conflicts``: server statuses the local status could not take in one allowed step.
``sync_notices``: the server's ``signature_invalid`` events, for the clerk.
``sync_parked``: why each item needing a person was parked, and whether the one automatic
retry after a clean pass was spent (a forged 403/422 must not park it for good).
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
CREATE TABLE IF NOT EXISTS sync_conflicts (
    dossier_id TEXT PRIMARY KEY,
    local_status INTEGER NOT NULL,
    server_status INTEGER NOT NULL,
    server_version INTEGER NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS sync_notices (
    seq INTEGER PRIMARY KEY,
    dossier_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    note TEXT NOT NULL,
    at TEXT NOT NULL,
    seen_at TEXT
);
CREATE TABLE IF NOT EXISTS sync_parked (
    operation_id TEXT PRIMARY KEY,
    reason TEXT NOT NULL,
    parked_at TEXT NOT NULL,
    auto_retried INTEGER NOT NULL DEFAULT 0
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
    """The server's ack and the outbox state in one transaction (SYNC.md).

    The ack repeats the status this counter sent: the counter's own change, never written
    back (the local status may already be further on — 9 then 10 before the first sync).
    """
    with db.atomic():
        outbox.mark_done(db, op_id, ack)
        set_server_version(db, dossier_id, int(ack["server_version"]), int(ack["server_seq"]))
        db.conn.execute("DELETE FROM sync_requests WHERE operation_id = ?", (op_id,))
        db.conn.execute("DELETE FROM sync_parked WHERE operation_id = ?", (op_id,))
        row = db.execute("SELECT status FROM dossiers WHERE id = ?", (dossier_id,)).fetchone()
        if row is not None and int(row[0]) == int(ack["status"]):
            db.conn.execute("DELETE FROM sync_conflicts WHERE dossier_id = ?", (dossier_id,))
        _retire_superseded(db, op_id, dossier_id)
        set_meta(db, "last_success", iso(now()))


def _retire_superseded(db: Database, op_id: str, dossier_id: str) -> None:
    """Earlier parked operations of the same kind that this acknowledged one supersedes: a
    status step the server refused once a later step was accepted (sending it now would
    move the server back), an upsert once a later whole record arrived. Kept, marked done
    with why, never sent again."""
    kind = db.execute("SELECT kind FROM outbox WHERE id = ?", (op_id,)).fetchone()
    if kind is None or kind[0] not in ("dossier.status", "dossier.upsert"):
        return
    older = [r[0] for r in db.execute(
        "SELECT id FROM outbox WHERE dossier_id = ? AND kind = ? AND state = "
        "'needs_attention' AND id < ?", (dossier_id, kind[0], op_id)).fetchall()]
    for old in older:
        # The server's refusal stays in last_error, for the record.
        db.conn.execute("UPDATE outbox SET state = 'done', response = ?, updated_at = ? "
                        "WHERE id = ?", (json.dumps({"superseded_by": op_id}), iso(now()), old))
        db.conn.execute("DELETE FROM sync_parked WHERE operation_id = ?", (old,))
        db.conn.execute("DELETE FROM sync_requests WHERE operation_id = ?", (old,))


# --- items needing a person ----------------------------------------------------------------

def park(db: Database, op_id: str, reason: str) -> None:
    """The server refused the item (400/403/422...): kept for a person, with the reason. Its
    frozen body stays: if the refusal was forged after the server stored the request, the
    retry under the same key gets the stored answer instead of a reused-key refusal."""
    with db.atomic():
        outbox.mark_needs_attention(db, op_id, reason)
        db.conn.execute(
            "INSERT INTO sync_parked (operation_id, reason, parked_at) VALUES (?, ?, ?) "
            "ON CONFLICT(operation_id) DO UPDATE SET reason = excluded.reason, "
            "parked_at = excluded.parked_at", (op_id, reason, iso(now())))


def _adopt_parked(db: Database) -> None:
    # Items parked before this table existed (an older client) get their one retry too.
    db.conn.execute(
        "INSERT OR IGNORE INTO sync_parked (operation_id, reason, parked_at) "
        "SELECT id, coalesce(last_error, ''), updated_at FROM outbox "
        "WHERE state = 'needs_attention'")


def requeue_parked_once(db: Database) -> list[str]:
    """After a clean pass: each parked item not yet retried goes back to waiting, once. A
    forged 403/422 (or a forged tus Location) must not keep a dossier from the server; a
    real refusal parks it again, for good (until a person retries it)."""
    with db.atomic():
        _adopt_parked(db)
        ids = [r[0] for r in db.execute(
            "SELECT o.id FROM outbox o JOIN sync_parked p ON p.operation_id = o.id "
            "WHERE o.state = 'needs_attention' AND p.auto_retried = 0 ORDER BY o.id")]
        for op_id in ids:
            db.conn.execute("UPDATE sync_parked SET auto_retried = 1 WHERE operation_id = ?",
                            (op_id,))
            outbox.requeue(db, op_id)
    return ids


def retry_parked(db: Database, op_ids: list[str] | None = None) -> list[str]:
    """A person's retry: the given parked items (all with ``None``) wait again, due now."""
    with db.atomic():
        _adopt_parked(db)
        rows = [r[0] for r in db.execute(
            "SELECT id FROM outbox WHERE state = 'needs_attention' ORDER BY id")]
        chosen = rows if op_ids is None else [i for i in rows if i in set(op_ids)]
        for op_id in chosen:
            db.conn.execute("UPDATE sync_parked SET auto_retried = 1 WHERE operation_id = ?",
                            (op_id,))
            outbox.requeue(db, op_id)
    return chosen


def parked(db: Database) -> list[dict[str, Any]]:
    """Items needing a person, with the server's reason, oldest first."""
    cur = db.execute(
        "SELECT o.id, o.kind, o.dossier_id, d.code, coalesce(p.reason, o.last_error, ''), "
        "coalesce(p.parked_at, o.updated_at), coalesce(p.auto_retried, 0), o.attempts "
        "FROM outbox o LEFT JOIN dossiers d ON d.id = o.dossier_id "
        "LEFT JOIN sync_parked p ON p.operation_id = o.id "
        "WHERE o.state = 'needs_attention' ORDER BY o.id")
    names = ["id", "kind", "dossier_id", "code", "reason", "parked_at", "auto_retried",
             "attempts"]
    return [{**dict(zip(names, r, strict=True)), "auto_retried": bool(r[6])}
            for r in cur.fetchall()]
