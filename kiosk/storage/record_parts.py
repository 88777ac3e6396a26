"""The parts of a dossier's record kept in tables of their own: apology letters and supplement
pauses, the citizen's confirmation, component signatures. Read-only, and below everything
that writes them, so :mod:`kiosk.storage.records` builds a record without importing a writer
(the writers queue records for the server: they import records, never the reverse).
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from kiosk.storage.sqlite import Database


def postponements(db: Database, dossier_id: str) -> list[dict[str, Any]]:
    cur = db.execute(
        "SELECT letter_number, issued_at, previous_due_at, new_due_at, reason, clerk, origin "
        "FROM postponements WHERE dossier_id = ? ORDER BY issued_at, id", (dossier_id,))
    cols = [c[0] for c in cur.description]
    return [dict(zip(cols, row, strict=True)) for row in cur.fetchall()]


def pauses(db: Database, dossier_id: str) -> list[dict[str, Any]]:
    # Before migration 0041 a pause had no rule: it paused.
    rule = "rule" if db.execute("SELECT 1 FROM pragma_table_info('clock_pauses') WHERE name = "
                                "'rule'").fetchone() else "'pause'"
    cur = db.execute(f"SELECT started_at, ended_at, note, {rule} FROM clock_pauses WHERE "
                     "dossier_id = ? ORDER BY started_at, id", (dossier_id,))
    return [{"started_at": a, "ended_at": b, "note": n, "rule": r} for a, b, n, r in cur.fetchall()]


def supplements(db: Database, dossier_id: str) -> list[dict[str, Any]]:
    """Supplement rounds (Mẫu 02 asked, papers received), oldest first."""
    if not db.has_table("supplements"):
        return []
    rows = list(db.query(
        "SELECT round, asked_at, asked_by, items, contact, rule, previous_due_at, received_at,"
        " received_by, new_due_at, components FROM supplements WHERE dossier_id = ?"
        " ORDER BY round", (dossier_id,)))
    for row in rows:
        row["items"] = json.loads(row["items"])
        row["components"] = json.loads(row["components"])
    return rows


def confirmation(db: Database, dossier_id: str) -> dict[str, Any] | None:
    """The citizen's confirmation of what the clerk typed (the citizen screen)."""
    try:
        row = db.execute("SELECT confirmed_at, digest, corrections, shown FROM citizen_confirmations "
                         "WHERE dossier_id = ?", (dossier_id,)).fetchone()
    except sqlite3.OperationalError:
        # Migration 0003 builds records before this table exists (it queues old dossiers).
        return None
    if row is None:
        return None
    return {"confirmed_at": row[0], "digest": row[1], "corrections": int(row[2]),
            "shown": json.loads(row[3])}


def signature_rows(db: Database, dossier_id: str) -> dict[int, dict[str, Any]]:
    """Signature rows of a dossier by component position."""
    # Migration 0003 builds records before the signatures table exists: look it up first.
    if not db.has_table("component_signatures"):
        return {}
    cur = db.execute(
        "SELECT c.position, s.state, s.signer, s.signed_at, s.timestamped, s.error"
        " FROM component_signatures s JOIN components c ON c.id = s.component_id"
        " WHERE s.dossier_id = ?", (dossier_id,))
    return {int(pos): {"state": state, "signer": signer, "signed_at": at,
                       "timestamped": bool(ts), "error": error}
            for pos, state, signer, at, ts, error in cur.fetchall()}


def group_label(group_id: str, code: str, name: str, codes: list[str]) -> dict[str, Any]:
    return {"id": group_id, "code": code, "name": name, "dossiers": codes}


def group_of(db: Database, dossier_id: str) -> dict[str, Any] | None:
    """The group label of a dossier (None: taken on its own)."""
    if not db.has_table("dossier_group_members"):  # read by a migration before 0043
        return None
    row = db.execute(
        "SELECT g.id, g.group_code, g.name FROM dossier_group_members m "
        "JOIN dossier_groups g ON g.id = m.group_id WHERE m.dossier_id = ?",
        (dossier_id,)).fetchone()
    if row is None:
        return None
    codes = [r[0] for r in db.execute(
        "SELECT d.code FROM dossier_group_members m JOIN dossiers d ON d.id = m.dossier_id "
        "WHERE m.group_id = ? ORDER BY m.position", (row[0],))]
    return group_label(row[0], row[1], row[2], codes)
