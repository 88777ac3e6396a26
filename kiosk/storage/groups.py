"""Interconnected dossiers (liên thông, issue 25 §3): one intake, one dossier per procedure.

The dossiers of a group are saved in one ``BEGIN IMMEDIATE`` transaction: their codes are
consecutive numbers of this counter's sequence, allocated in that transaction, so either
every dossier of the group exists with its code or none does and no number is spent. A
paper shared between the procedures is one file in the content-addressed store; each
dossier's component references it (no copy of the bytes). After the save the dossiers are
ordinary dossiers, each with its own status, due time and history; the group is a label on
each record (``group``), sent to the central server with it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from kiosk.clock import iso, now
from kiosk.storage import dossiers, outbox, records
from kiosk.storage.audit_log import audit
from kiosk.storage.files import FileStore
from kiosk.storage.model import DossierInput, ProcedureInfo, SavedDossier
from kiosk.storage.record_parts import group_label
from kiosk.storage.sqlite import Database

SCHEMA = """
CREATE TABLE dossier_groups (
    id TEXT PRIMARY KEY,
    group_code TEXT NOT NULL,
    name TEXT NOT NULL,
    catalog_version TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL
);
CREATE TABLE dossier_group_members (
    group_id TEXT NOT NULL REFERENCES dossier_groups(id),
    position INTEGER NOT NULL,
    dossier_id TEXT NOT NULL UNIQUE REFERENCES dossiers(id),
    PRIMARY KEY (group_id, position)
)
"""


class Member:
    """One procedure of the group as the save needs it."""

    def __init__(self, inp: DossierInput, procedure: ProcedureInfo,
                 due_for: Callable[[datetime], datetime | None]) -> None:
        self.inp = inp
        self.procedure = procedure
        self.due_for = due_for


def save_group(db: Database, members: Sequence[Member], *, group_code: str, name: str,
               catalog_version: str, actor: str, unit_code: str, counter: int,
               files: FileStore, form_set: str | None = None,
               draft_id: str | None = None,
               then: Callable[[Database, list[SavedDossier]], None] | None = None,
               ) -> tuple[str, list[SavedDossier]]:
    """Every dossier of the group, or none; returns the group id and the saved dossiers.
    ``then(db, saved)`` adds writes to the transaction (the citizen's consent to notices)."""
    sizes = [dossiers.validate(m.inp, files) for m in members]  # every file before any row
    conn = db.conn
    conn.execute("BEGIN IMMEDIATE")
    try:
        group_id = dossiers.new_id()
        conn.execute(
            "INSERT INTO dossier_groups (id, group_code, name, catalog_version, created_at, "
            "created_by) VALUES (?, ?, ?, ?, ?, ?)",
            (group_id, group_code, name, catalog_version, iso(now()), actor))
        saved: list[tuple[SavedDossier, dict[str, Any]]] = []
        for position, (member, size) in enumerate(zip(members, sizes, strict=True), start=1):
            one, record = dossiers.insert(
                db, member.inp, size, actor=actor, unit_code=unit_code, counter=counter,
                procedure=member.procedure, due_for=member.due_for, form_set=form_set)
            conn.execute("INSERT INTO dossier_group_members (group_id, position, dossier_id) "
                         "VALUES (?, ?, ?)", (group_id, position, one.id))
            saved.append((one, record))
        label = group_label(group_id, group_code, name, [one.code for one, _record in saved])
        for one, record in saved:
            # The record read back later carries the same label (group_of below).
            record["group"] = label
            outbox.enqueue(db, "dossier.upsert", one.id, record, records.page_hashes(record))
        audit(db, actor, "group.create", group_id, group=group_code,
              codes=[one.code for one, _record in saved])
        if draft_id:
            conn.execute("DELETE FROM drafts WHERE id = ?", (draft_id,))
        if then is not None:
            then(db, [one for one, _record in saved])
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        db.memo.pop(dossiers.FILE_ROWS, None)
        raise
    return group_id, [one for one, _record in saved]


def members_view(db: Database, group_id: str) -> list[dict[str, Any]]:
    """The group's dossiers as the screens list them: code, procedure, agency, status, due."""
    rows = db.execute(
        "SELECT d.code, d.procedure_code, d.procedure_name, d.status, d.due_at, p.snapshot "
        "FROM dossier_group_members m JOIN dossiers d ON d.id = m.dossier_id "
        "LEFT JOIN procedures p ON p.catalog_version = d.catalog_version "
        "AND p.code = d.procedure_code WHERE m.group_id = ? ORDER BY m.position",
        (group_id,)).fetchall()
    import json

    out = []
    for code, proc_code, proc_name, status, due, snapshot in rows:
        handled_by = (json.loads(snapshot).get("handled_by") if snapshot else None) or ""
        out.append({"code": code, "procedure": proc_code, "procedure_name": proc_name,
                    "handled_by": handled_by, "status": status, "due": due})
    return out
