"""The apology letters (Mẫu 04) of a dossier as the server stores them: the counters' (from
the bodies they send) and the province's, and the letter each ``postponed`` feed event
carries. Shared by the dossier rules (:mod:`central.service`) and the province's side
(:mod:`central.reports`)."""

from __future__ import annotations

import json
from typing import Any

from central.db import Tx
from central.models import DossierIn
from kiosk import clock

LETTER_COLUMNS = ("letter_number", "issued_at", "previous_due_at", "new_due_at", "reason",
                  "clerk", "origin")


def letters(tx: Tx, dossier_id: str) -> list[dict[str, Any]]:
    return tx.all(f"SELECT {', '.join(LETTER_COLUMNS)} FROM dossier_postponements WHERE "
                  "dossier_id = ? ORDER BY issued_at", (dossier_id,))


def merge_letters(tx: Tx, dossier_id: str, body: DossierIn) -> None:
    """Keep every letter a counter sent (the body carries them all; known ones stay)."""
    for p in body.postponements:
        if tx.one("SELECT letter_number FROM dossier_postponements WHERE dossier_id = ? AND "
                  "letter_number = ?", (dossier_id, p.letter_number)) is None:
            tx.execute(
                "INSERT INTO dossier_postponements (dossier_id, letter_number, issued_at, "
                "previous_due_at, new_due_at, reason, clerk, origin) VALUES "
                "(?, ?, ?, ?, ?, ?, ?, ?)",
                (dossier_id, p.letter_number, clock.iso(p.issued_at),
                 clock.iso(p.previous_due_at) if p.previous_due_at else None,
                 clock.iso(p.new_due_at), p.reason, p.clerk, p.origin))


def change_details(tx: Tx, rows: list[dict[str, Any]]) -> None:
    """Attach the letter to each ``postponed`` event of a feed page."""
    for row in rows:
        row["postponement"] = None
        if row["kind"] == "postponed":
            found = tx.one("SELECT details FROM change_details WHERE seq = ?", (row["seq"],))
            if found:
                row["postponement"] = json.loads(found["details"]).get("postponement")
