"""Drafts: an intake in progress, saved at every step so a crash or a power cut loses nothing.

A draft is free-form JSON owned by the intake wizard (usually ``DossierInput.to_json()``
plus wizard state). Every value under a ``"sha256"`` key in it is recorded in
``draft_files`` so that orphan collection keeps the scans of an unfinished intake. Saving
the dossier discards its draft in the same transaction.
"""

from __future__ import annotations

import json
from typing import Any

import uuid_utils

from kiosk.clock import iso, now
from kiosk.storage.files import SHA256_RE
from kiosk.storage.sqlite import Database


def file_hashes(payload: Any) -> set[str]:
    """Every string under a ``sha256`` key, at any depth."""
    found: set[str] = set()
    if isinstance(payload, dict):
        for key, value in payload.items():
            if key == "sha256" and isinstance(value, str) and SHA256_RE.match(value):
                found.add(value)
            else:
                found |= file_hashes(value)
    elif isinstance(payload, list):
        for item in payload:
            found |= file_hashes(item)
    return found


def save_draft(db: Database, payload: dict[str, Any], *, actor: str,
               draft_id: str | None = None, label: str = "") -> str:
    draft_id = draft_id or str(uuid_utils.uuid7())
    stamp = iso(now())
    with db.atomic():
        db.conn.execute(
            "INSERT INTO drafts (id, actor, label, payload, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET "
            "label = excluded.label, payload = excluded.payload, "
            "updated_at = excluded.updated_at, actor = excluded.actor",
            (draft_id, actor, label, json.dumps(payload, ensure_ascii=False), stamp, stamp),
        )
        # Only the scans the draft no longer holds are deleted: each deletion lets the file
        # go (a trigger records it for the start-up sweep, kiosk.storage.ownership).
        wanted = file_hashes(payload)
        held = {row[0] for row in db.conn.execute(
            "SELECT sha256 FROM draft_files WHERE draft_id = ?", (draft_id,))}
        db.conn.executemany("DELETE FROM draft_files WHERE draft_id = ? AND sha256 = ?",
                            [(draft_id, sha) for sha in sorted(held - wanted)])
        db.conn.executemany(
            "INSERT INTO draft_files (draft_id, sha256) VALUES (?, ?)",
            [(draft_id, sha) for sha in sorted(wanted - held)],
        )
    return draft_id


def load_drafts(db: Database, actor: str | None = None) -> list[dict[str, Any]]:
    sql = "SELECT id, actor, label, payload, created_at, updated_at FROM drafts"
    params: tuple[Any, ...] = ()
    if actor is not None:
        sql += " WHERE actor = ?"
        params = (actor,)
    cur = db.execute(sql + " ORDER BY updated_at DESC, id DESC", params)
    cols = [c[0] for c in cur.description]
    out = []
    for row in cur.fetchall():
        item = dict(zip(cols, row, strict=True))
        item["payload"] = json.loads(item["payload"])
        out.append(item)
    return out


def discard_draft(db: Database, draft_id: str) -> bool:
    with db.atomic():
        return db.conn.execute("DELETE FROM drafts WHERE id = ?", (draft_id,)).rowcount == 1
