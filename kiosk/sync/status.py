"""What the UI shows: the global sync indicator and each dossier's sync state."""

from __future__ import annotations

import json
from typing import Any

from kiosk.storage import Store
from kiosk.sync import server_state


def sync_status(store: Store) -> dict[str, Any]:
    """The global indicator: counts, bytes waiting, last success and last error."""

    def read(db: Any) -> dict[str, Any]:
        has_meta = _has_table(db, "sync_meta")
        meta = dict(db.execute("SELECT key, value FROM sync_meta").fetchall()) if has_meta else {}
        waiting = db.execute(
            "SELECT coalesce(sum(f.size), 0), count(DISTINCT f.sha256) FROM outbox o "
            "JOIN outbox_blobs b ON b.operation_id = o.id JOIN files f ON f.sha256 = b.sha256 "
            "WHERE o.state IN ('pending', 'in_flight') AND b.state = 'pending'").fetchone()
        return {"bytes_waiting": int(waiting[0]), "files_waiting": int(waiting[1]),
                "last_success": meta.get("last_success"), "last_error": meta.get("last_error"),
                "cursor": _int(meta.get("cursor")) or 0,
                "clock_skew_seconds": _int(meta.get("clock_skew_seconds")),
                "conflicts": server_state.conflicts(db) if _has_table(db, "sync_conflicts")
                else [],
                "notices": len(server_state.notices(db)) if _has_table(db, "sync_notices")
                else 0,
                "last_audit": _json(meta.get("last_audit"))}

    counts = store.outbox_counts()
    return {"waiting": counts["pending"] + counts["in_flight"], **counts, **store.read(read)}


def _has_table(db: Any, name: str) -> bool:
    return db.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (name,)).fetchone() \
        is not None


def _json(value: str | None) -> Any:
    try:
        return json.loads(value) if value else None
    except ValueError:
        return None


def _int(value: str | None) -> int | None:
    """A stored number; a damaged value (an older client stored what a server sent) is
    shown as unknown instead of breaking ``sync status``."""
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def dossier_sync_state(store: Store, dossier_id: str) -> str:
    """Per dossier: ``saved`` (here only), ``sending``, ``sent`` or ``needs_attention``."""

    def read(db: Any) -> tuple[set[str], bool]:
        states = {r[0] for r in db.execute(
            "SELECT state FROM outbox WHERE dossier_id = ?", (dossier_id,)).fetchall()}
        acked = _has_table(db, "sync_dossiers") and db.execute(
            "SELECT 1 FROM sync_dossiers WHERE dossier_id = ?", (dossier_id,)).fetchone()
        return states, bool(acked)

    states, acked = store.read(read)
    if "needs_attention" in states:
        return "needs_attention"
    if "in_flight" in states:
        return "sending"
    if "pending" in states:
        return "saved"
    # Done rows may have been pruned long after the ack: the ack record still says "sent".
    return "sent" if states or acked else "saved"


def attention(store: Store) -> dict[str, Any]:
    """What a person must see beyond the counts: the server's notices for the clerk
    (``signature_invalid``), and for an admin the items parked with the server's reason,
    the status conflicts and the last end-to-end audit."""
    from kiosk.sync import state

    def read(db: Any) -> dict[str, Any]:
        ready = _has_table(db, "sync_parked")
        meta = _has_table(db, "sync_meta")
        return {
            "notices": server_state.notices(db) if ready else [],
            "parked": state.parked(db)[:50] if ready else [],
            "conflicts": server_state.conflicts(db) if ready else [],
            "last_audit": _json(state.get_meta(db, "last_audit")) if meta else None,
        }

    return dict(store.read(read))
