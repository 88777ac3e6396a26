"""What the UI shows: the global sync indicator and each dossier's sync state."""

from __future__ import annotations

from typing import Any

from kiosk.storage import Store


def sync_status(store: Store) -> dict[str, Any]:
    """The global indicator: counts, bytes waiting, last success and last error."""

    def read(db: Any) -> dict[str, Any]:
        has_meta = db.execute("SELECT 1 FROM sqlite_master WHERE name = 'sync_meta'").fetchone()
        meta = dict(db.execute("SELECT key, value FROM sync_meta").fetchall()) if has_meta else {}
        waiting = db.execute(
            "SELECT coalesce(sum(f.size), 0), count(DISTINCT f.sha256) FROM outbox o "
            "JOIN outbox_blobs b ON b.operation_id = o.id JOIN files f ON f.sha256 = b.sha256 "
            "WHERE o.state IN ('pending', 'in_flight') AND b.state = 'pending'").fetchone()
        return {"bytes_waiting": int(waiting[0]), "files_waiting": int(waiting[1]),
                "last_success": meta.get("last_success"), "last_error": meta.get("last_error"),
                "cursor": _int(meta.get("cursor")) or 0,
                "clock_skew_seconds": _int(meta.get("clock_skew_seconds"))}

    counts = store.outbox_counts()
    return {"waiting": counts["pending"] + counts["in_flight"], **counts, **store.read(read)}


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
        known = db.execute("SELECT 1 FROM sqlite_master WHERE name = 'sync_dossiers'").fetchone()
        acked = bool(known) and db.execute(
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
