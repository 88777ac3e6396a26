"""The sync outbox: durable operations the central server must learn about.

Rows are written in the same transaction as the change they describe (never an in-memory
queue). The sync layer drains them: each row's ``id`` (a UUIDv7) is its Idempotency-Key;
``outbox_blobs`` lists the files the server needs first and remembers each resumable upload
URL across restarts. States: ``pending`` → ``in_flight`` → ``done``, or ``needs_attention``
for a person (never deleted); a failed attempt goes back to ``pending`` with a later
``next_attempt_at``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import uuid_utils

from kiosk.clock import iso, now
from kiosk.storage import json_text
from kiosk.storage.sqlite import Database

STATES = ("pending", "in_flight", "done", "needs_attention")


def enqueue(
    db: Database,
    kind: str,
    dossier_id: str | None,
    payload: dict[str, Any],
    blobs: Iterable[str],
    *,
    at: str | None = None,
) -> str:
    """Add an operation (inside the caller's transaction); returns its id. ``at``: the
    caller's time stamp for the row (default: now)."""
    op_id = str(uuid_utils.uuid7())
    stamp = at or iso(now())
    db.conn.execute(
        "INSERT INTO outbox (id, kind, dossier_id, payload, next_attempt_at, created_at, "
        "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (op_id, kind, dossier_id, json_text.dumps(payload), stamp, stamp, stamp),
    )
    shas = list(dict.fromkeys(blobs))
    # One statement for the files (executemany's own code path, cold on a save after a
    # pause, cost more than the rows: issue 28 §3), in order: the drainer reads by rowid.
    for start in range(0, len(shas), _BLOBS_PER_STATEMENT):
        part = shas[start:start + _BLOBS_PER_STATEMENT]
        sql = _BLOB_SQL.get(len(part))
        if sql is None:
            sql = _BLOB_SQL[len(part)] = (
                "INSERT INTO outbox_blobs (operation_id, sha256) VALUES "
                + ", ".join(["(?, ?)"] * len(part)))
        db.conn.execute(sql, [value for sha in part for value in (op_id, sha)])
    return op_id


#: Files per statement: far below SQLite's 32,766 parameters.
_BLOBS_PER_STATEMENT = 500
#: File count → the statement listing that many files of one operation.
_BLOB_SQL: dict[int, str] = {}


def enqueue_existing(db: Database) -> None:
    """Queue every dossier that has no outbox row (used when the outbox table is created)."""
    from kiosk.storage.records import dossier_record, page_hashes

    ids = [r[0] for r in db.execute("SELECT id FROM dossiers ORDER BY num").fetchall()]
    for dossier_id in ids:
        record = dossier_record(db, dossier_id, with_procedure=False)
        enqueue(db, "dossier.upsert", dossier_id, record, page_hashes(record))


def _row(db: Database, row: tuple[Any, ...], cols: list[str]) -> dict[str, Any]:
    item = dict(zip(cols, row, strict=True))
    item["payload"] = json.loads(item["payload"])
    if item.get("response"):
        item["response"] = json.loads(item["response"])
    item["blobs"] = [
        {"sha256": sha, "upload_url": url, "state": state}
        for sha, url, state in db.execute(
            "SELECT sha256, upload_url, state FROM outbox_blobs WHERE operation_id = ? "
            "ORDER BY rowid",
            (item["id"],),
        ).fetchall()
    ]
    return item


_COLUMNS = ("id, kind, dossier_id, payload, state, attempts, next_attempt_at, last_error, "
            "response, created_at, updated_at")


def pending(db: Database, *, due_before: datetime | None = None, limit: int = 50) -> list[dict[str, Any]]:
    """Pending operations whose next attempt is due, oldest first (by UUIDv7, not clock)."""
    cur = db.execute(
        f"SELECT {_COLUMNS} FROM outbox WHERE state = 'pending' AND next_attempt_at <= ? "
        "ORDER BY id LIMIT ?",
        (iso(due_before or now()), limit),
    )
    cols = [c[0] for c in cur.description]
    return [_row(db, r, cols) for r in cur.fetchall()]


def get(db: Database, op_id: str) -> dict[str, Any] | None:
    cur = db.execute(f"SELECT {_COLUMNS} FROM outbox WHERE id = ?", (op_id,))
    cols = [c[0] for c in cur.description]
    row = cur.fetchone()
    return _row(db, row, cols) if row else None


def counts(db: Database) -> dict[str, int]:
    found = dict(db.execute("SELECT state, count(*) FROM outbox GROUP BY state").fetchall())
    return {state: int(found.get(state, 0)) for state in STATES}


def _update(db: Database, op_id: str, sets: str, params: tuple[Any, ...]) -> None:
    with db.atomic():
        cur = db.conn.execute(
            f"UPDATE outbox SET {sets}, updated_at = ? WHERE id = ?",
            (*params, iso(now()), op_id),
        )
        if cur.rowcount != 1:
            raise KeyError(op_id)


def mark_in_flight(db: Database, op_id: str) -> None:
    _update(db, op_id, "state = 'in_flight', attempts = attempts + 1", ())


def mark_done(db: Database, op_id: str, response: dict[str, Any] | None = None) -> None:
    """Store the server's ack with the state, in one transaction."""
    _update(db, op_id, "state = 'done', last_error = NULL, response = ?",
            (json.dumps(response, ensure_ascii=False) if response is not None else None,))


def mark_retry(db: Database, op_id: str, next_attempt_at: datetime, error: str) -> None:
    _update(db, op_id, "state = 'pending', next_attempt_at = ?, last_error = ?",
            (iso(next_attempt_at), error))


def mark_needs_attention(db: Database, op_id: str, error: str) -> None:
    _update(db, op_id, "state = 'needs_attention', last_error = ?", (error,))


def requeue(db: Database, op_id: str) -> bool:
    """An item needing a person goes back to waiting, due now (a retry asked for by a person,
    or the sync layer's one automatic retry after a clean pass)."""
    with db.atomic():
        return db.conn.execute(
            "UPDATE outbox SET state = 'pending', next_attempt_at = ?, updated_at = ? "
            "WHERE id = ? AND state = 'needs_attention'", (iso(now()), iso(now()), op_id)
        ).rowcount == 1


class _Keep:
    """Sentinel: leave the stored upload URL as it is."""


KEEP = _Keep()


def add_blobs(db: Database, op_id: str, shas: list[str]) -> int:
    """Blobs the server lacks for an operation whose body names them though it was queued
    before they existed (papers added to a dossier not yet sent): upload them with it.
    Only files this database holds are added."""
    added = 0
    with db.atomic():
        for sha in shas:
            added += db.conn.execute(
                "INSERT OR IGNORE INTO outbox_blobs (operation_id, sha256) SELECT ?, sha256"
                " FROM files WHERE sha256 = ?", (op_id, sha)).rowcount
    return added


def set_blob_upload(
    db: Database, op_id: str, sha256: str, *, upload_url: str | _Keep | None = KEEP,
    uploaded: bool = False,
) -> None:
    """Record a blob's upload: a new URL, ``None`` to forget it (start again), or keep it."""
    with db.atomic():
        if isinstance(upload_url, _Keep):
            cur = db.conn.execute(
                "UPDATE outbox_blobs SET state = ? WHERE operation_id = ? AND sha256 = ?",
                ("uploaded" if uploaded else "pending", op_id, sha256),
            )
        else:
            cur = db.conn.execute(
                "UPDATE outbox_blobs SET upload_url = ?, state = ? "
                "WHERE operation_id = ? AND sha256 = ?",
                (upload_url, "uploaded" if uploaded else "pending", op_id, sha256),
            )
        if cur.rowcount != 1:
            raise KeyError((op_id, sha256))


def recover_in_flight(db: Database) -> int:
    """After a crash, operations left in flight go back to pending (the key makes it safe)."""
    with db.atomic():
        return db.conn.execute(
            "UPDATE outbox SET state = 'pending' WHERE state = 'in_flight'"
        ).rowcount


def prune_done(db: Database, before: datetime) -> int:
    """Delete operations acknowledged before ``before`` (the record itself stays).

    The server keeps idempotency keys ≥ 180 days (SYNC.md), so keep done rows at least as
    long; after that they only take space (a payload per dossier).
    """
    with db.atomic():
        stamp = iso(before)
        db.conn.execute(
            "DELETE FROM outbox_blobs WHERE operation_id IN "
            "(SELECT id FROM outbox WHERE state = 'done' AND updated_at < ?)",
            (stamp,),
        )
        return db.conn.execute(
            "DELETE FROM outbox WHERE state = 'done' AND updated_at < ?", (stamp,)
        ).rowcount
