"""The append-only audit log (``audit_log``: who did what to which dossier, and when).

Its own module because every writer needs it (saves, status changes, letters, numbers caught
up after a restore) and none of them may depend on another writer for it.
"""

from __future__ import annotations

from typing import Any

from kiosk.clock import iso, now
from kiosk.storage import json_text
from kiosk.storage.sqlite import Database


def audit(db: Database, actor: str, action: str, dossier_id: str | None, **details: Any) -> None:
    audit_at(db, iso(now()), actor, action, dossier_id, details)


def audit_at(db: Database, at: str, actor: str, action: str, dossier_id: str | None,
             details: dict[str, Any]) -> None:
    """:func:`audit` at a time the caller already took (a save stamps all its rows alike)."""
    db.conn.execute(
        "INSERT INTO audit_log (at, actor, action, dossier_id, details) VALUES (?, ?, ?, ?, ?)",
        (at, actor, action, dossier_id, json_text.dumps(details)),
    )
