"""Drafts: an intake in progress, saved at every step so a crash or a power cut loses nothing.

A draft is free-form JSON owned by the intake wizard (usually ``DossierInput.to_json()``
plus wizard state). Saving the dossier discards its draft in the same transaction.
"""

from __future__ import annotations

import json
from typing import Any

import uuid_utils
from sqlite_utils import Database

from kiosk.clock import iso, now


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
