"""Taking what the server says into the counter's database, without echo and without ever
breaking the status machine (issue 21 §2).

- A change the counter made itself (its request's Idempotency-Key comes back in the feed as
  ``operation_id``) is never applied again: the local status may already be further on.
- While the counter still has a status step of its own waiting to be sent, a pulled status
  is not applied either: the push rebases on the server's state and settles it.
- A server status the local status cannot reach in one allowed step is not applied: it is
  recorded as a *conflict* (``sync_conflicts``) that an admin sees in ``kiosk sync status``
  and on Home, and that clears itself once both sides agree again.
- The server's ``signature_invalid`` events become a line in the dossier's timeline (the
  status unchanged) and a notice for the clerk (``sync_notices``), once per event.
"""

from __future__ import annotations

import json
from typing import Any

from kiosk.clock import iso, now
from kiosk.dossier import TRANSITIONS, Status
from kiosk.i18n import _
from kiosk.storage import dossier_facts
from kiosk.storage.sqlite import Database
from kiosk.sync.state import server_version, set_server_version

#: Outbox states in which a counter's status step has not reached the server yet.
_UNSENT = ("pending", "in_flight")


def is_own_operation(db: Database, operation_id: str | None) -> bool:
    """The feed event was made by one of this counter's requests (its outbox row)."""
    if not operation_id:
        return False
    return db.execute("SELECT 1 FROM outbox WHERE id = ?", (operation_id,)).fetchone() \
        is not None


def unsent_status_steps(db: Database, dossier_id: str) -> bool:
    marks = ", ".join("?" for _s in _UNSENT)
    return db.execute(
        f"SELECT 1 FROM outbox WHERE dossier_id = ? AND kind = 'dossier.status' AND state IN "
        f"({marks}) LIMIT 1", (dossier_id, *_UNSENT)).fetchone() is not None


def allowed_step(old: int, new: int) -> bool:
    try:
        return Status(new) in TRANSITIONS[Status(old)]
    except ValueError:
        return False


def apply_server_state(db: Database, dossier_id: str, status: int, version: int,
                       note: str | None, actor: str = "central") -> bool:
    """Take the server's status for a dossier (the server owns processing status).

    Written without an outbox row: the change came from the server and must not echo back.
    Returns True when the local status changed. Call inside a transaction.
    """
    row = db.execute("SELECT status, code FROM dossiers WHERE id = ?", (dossier_id,)).fetchone()
    if row is None:
        return False  # a dossier of another counter of the unit: not kept here
    known = server_version(db, dossier_id)
    if known is not None and known >= version:
        return False
    old, code = int(row[0]), row[1]
    if old != status and unsent_status_steps(db, dossier_id):
        # The counter's own step is on its way; the push meets the server's state (409 with
        # the current version) and settles it. Nothing is written here, not even the version.
        return False
    set_server_version(db, dossier_id, version, None)
    if old == status:
        resolve_conflict(db, dossier_id)
        return False
    if not allowed_step(old, status):
        record_conflict(db, dossier_id, code, old, status, version, note or "")
        return False
    stamp = iso(now())
    db.conn.execute("UPDATE dossiers SET status = ?, updated_at = ?, version = version + 1 "
                    "WHERE id = ?", (status, stamp, dossier_id))
    dossier_facts.add_status_event(db, dossier_id, stamp, old, status, actor, note or "")
    _audit(db, actor, "sync.pull_status", dossier_id,
           {"code": code, "old": old, "new": status, "server_version": version})
    from kiosk.storage.late import track_status

    track_status(db, dossier_id, old, status, stamp, note=note or "")
    resolve_conflict(db, dossier_id)
    return True


# --- conflicts ---------------------------------------------------------------------------

def record_conflict(db: Database, dossier_id: str, code: str, local: int, server: int,
                    version: int, note: str) -> None:
    db.conn.execute(
        "INSERT INTO sync_conflicts (dossier_id, local_status, server_status, server_version, "
        "note, at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(dossier_id) DO UPDATE SET "
        "local_status = excluded.local_status, server_status = excluded.server_status, "
        "server_version = excluded.server_version, note = excluded.note, at = excluded.at",
        (dossier_id, local, server, version, note[:2000], iso(now())))
    _audit(db, "central", "sync.conflict", dossier_id,
           {"code": code, "local": local, "server": server, "server_version": version})


def refused_step(db: Database, dossier_id: str, server_status: int, note: str) -> None:
    """The server refused one of the counter's status steps from ``server_status``."""
    with db.atomic():
        row = db.execute("SELECT status, code FROM dossiers WHERE id = ?",
                         (dossier_id,)).fetchone()
        if row is None or int(row[0]) == server_status:
            return
        record_conflict(db, dossier_id, row[1], int(row[0]), server_status,
                        server_version(db, dossier_id) or 0, note)


def resolve_conflict(db: Database, dossier_id: str) -> None:
    db.conn.execute("DELETE FROM sync_conflicts WHERE dossier_id = ?", (dossier_id,))


def conflict_status(db: Database, dossier_id: str) -> int | None:
    """The server's status of a dossier in conflict (what an upsert must carry), or None."""
    row = db.execute("SELECT server_status FROM sync_conflicts WHERE dossier_id = ?",
                     (dossier_id,)).fetchone()
    return int(row[0]) if row else None


def conflicts(db: Database) -> list[dict[str, Any]]:
    cur = db.execute(
        "SELECT c.dossier_id, d.code, c.local_status, c.server_status, c.server_version, "
        "c.note, c.at FROM sync_conflicts c JOIN dossiers d ON d.id = c.dossier_id "
        "ORDER BY c.at")
    names = ["dossier_id", "code", "local_status", "server_status", "server_version", "note",
             "at"]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


# --- notices (signature_invalid) ---------------------------------------------------------

def record_signature_notice(db: Database, seq: int, dossier_id: str, note: str | None) -> bool:
    """The server found a file signed but not intact or not trusted: once per feed event,
    a line in the dossier's timeline (status unchanged) and a notice for the clerk."""
    row = db.execute("SELECT status FROM dossiers WHERE id = ?", (dossier_id,)).fetchone()
    if row is None:
        return False
    text = _("Máy chủ báo chữ ký số không hợp lệ: {problems}", problems=(note or "")[:1500])
    stamp = iso(now())
    if db.conn.execute(
            "INSERT INTO sync_notices (seq, dossier_id, kind, note, at) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT(seq) DO NOTHING", (seq, dossier_id, "signature_invalid", text, stamp)
    ).rowcount != 1:
        return False
    dossier_facts.add_status_event(db, dossier_id, stamp, row[0], row[0], "central", text)
    _audit(db, "central", "sync.signature_invalid", dossier_id, {"seq": seq, "note": note})
    return True


def notices(db: Database, *, unseen_only: bool = True) -> list[dict[str, Any]]:
    sql = ("SELECT n.seq, n.dossier_id, d.code, n.kind, n.note, n.at, n.seen_at FROM "
           "sync_notices n JOIN dossiers d ON d.id = n.dossier_id")
    if unseen_only:
        sql += " WHERE n.seen_at IS NULL"
    cur = db.execute(sql + " ORDER BY n.seq")
    names = ["seq", "dossier_id", "code", "kind", "note", "at", "seen_at"]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def mark_notice_seen(db: Database, seq: int) -> bool:
    with db.atomic():
        return db.conn.execute("UPDATE sync_notices SET seen_at = ? WHERE seq = ? AND "
                               "seen_at IS NULL", (iso(now()), seq)).rowcount == 1


def _audit(db: Database, actor: str, action: str, dossier_id: str, details: dict[str, Any]
           ) -> None:
    db.conn.execute(
        "INSERT INTO audit_log (at, actor, action, dossier_id, details) VALUES (?, ?, ?, ?, ?)",
        (iso(now()), actor, action, dossier_id, json.dumps(details, ensure_ascii=False)))
