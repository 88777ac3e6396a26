"""tus uploads and blob possession in the database (the HTTP side is :mod:`central.tus`).

Blobs are stored once by sha256 and shared, but a blob counts for a unit only after that
unit proved it holds the bytes (``blob_owners``): it uploaded them in full, or answered a
possession challenge (:mod:`central.possession`). Until then the server answers that unit
exactly as if the blob were absent — ``HEAD`` 404, a creation at offset 0, ``missing_blobs``
on a dossier, 404 on a download — so sharing storage tells no unit what another holds.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from central.common import ApiError, Device
from central.db import Database, Tx
from kiosk import clock
from kiosk.i18n import _

UPLOAD_TTL = timedelta(days=7)


def _now() -> str:
    return clock.iso(clock.now())


# --- possession -------------------------------------------------------------------------

def blob_size(db: Database, sha256: str) -> int | None:
    """The stored blob's size, whoever uploaded it (for the server's own checks only)."""
    with db.transaction(write=False) as tx:
        row = tx.one("SELECT size FROM blobs WHERE sha256 = ?", (sha256,))
    return int(row["size"]) if row else None


def owned_size(db: Database, device: Device, sha256: str) -> int | None:
    """The blob's size if the device's unit proved it holds it (admins see every blob)."""
    with db.transaction(write=False) as tx:
        if device.role == "admin":
            row = tx.one("SELECT size FROM blobs WHERE sha256 = ?", (sha256,))
        else:
            row = tx.one("SELECT b.size FROM blobs b JOIN blob_owners o ON o.sha256 = b.sha256"
                         " WHERE b.sha256 = ? AND o.unit_code = ?", (sha256, device.unit_code))
    return int(row["size"]) if row else None


def owned(tx: Tx, unit_code: str, hashes: Iterable[str]) -> set[str]:
    """Which of ``hashes`` the unit proved it holds (and the server still has)."""
    return {h for h in hashes if tx.one(
        "SELECT o.sha256 FROM blob_owners o JOIN blobs b ON b.sha256 = o.sha256"
        " WHERE o.unit_code = ? AND o.sha256 = ?", (unit_code, h)) is not None}


def record_owner(tx: Tx, unit_code: str, sha256: str, how: str) -> None:
    if tx.one("SELECT sha256 FROM blob_owners WHERE unit_code = ? AND sha256 = ?",
              (unit_code, sha256)) is None:
        tx.execute("INSERT INTO blob_owners (unit_code, sha256, proved_at, how)"
                   " VALUES (?, ?, ?, ?)", (unit_code, sha256, _now(), how))


def _add_blob(tx: Tx, sha256: str, length: int) -> None:
    if tx.one("SELECT sha256 FROM blobs WHERE sha256 = ?", (sha256,)) is None:
        tx.execute("INSERT INTO blobs (sha256, size, created_at) VALUES (?, ?, ?)",
                   (sha256, length, _now()))


# --- uploads (tus 1.0: creation, checksum, expiration) -----------------------------------

def _latest_upload(tx: Tx, device: Device, sha256: str, length: int
                   ) -> dict[str, Any] | None:
    """The device's newest upload of this file that is still open, or finished."""
    return tx.one(
        "SELECT * FROM uploads WHERE device_id = ? AND sha256 = ? AND length = ?"
        " AND (completed = 1 OR expires_at > ?) ORDER BY created_at DESC",
        (device.id, sha256, length, _now()))


def _insert(tx: Tx, upload: dict[str, Any], metadata: str | None) -> None:
    tx.execute(
        "INSERT INTO uploads (id, device_id, sha256, length, upload_offset, created_at,"
        " expires_at, completed) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (upload["id"], upload["device_id"], upload["sha256"], upload["length"],
         upload["upload_offset"], upload["created_at"], upload["expires_at"],
         upload["completed"]))
    if metadata:
        tx.execute("INSERT INTO upload_metadata (upload_id, metadata) VALUES (?, ?)",
                   (upload["id"], metadata))


def _new(device: Device, sha256: str, length: int, *, upload_id: str | None = None,
         done: bool = False) -> dict[str, Any]:
    now = clock.now()
    return {"id": upload_id or uuid.uuid4().hex, "device_id": device.id, "sha256": sha256,
            "length": length, "upload_offset": length if done else 0,
            "created_at": clock.iso(now), "expires_at": clock.iso(now + UPLOAD_TTL),
            "completed": 1 if done else 0}


def create_upload(db: Database, device: Device, sha256: str, length: int,
                  metadata: str | None = None, reuse: bool = True,
                  proven: bool = False) -> dict[str, Any]:
    """A tus creation.

    With ``reuse`` (the kiosk client's ``Idempotency-Key``) it is idempotent per (device,
    sha256, length): a repeated POST whose answer was lost gets the same open upload, so the
    bytes already sent are not sent again (tus-py-client#93); and a blob the device's unit
    holds — or has just ``proven`` it holds — is finished at once. Without it (a standard
    tus client, which always PATCHes from 0 after a creation), a fresh upload at offset 0.
    """
    with db.transaction() as tx:
        if reuse:
            blob = tx.one("SELECT size FROM blobs WHERE sha256 = ?", (sha256,))
            held = blob is not None and int(blob["size"]) == length and (
                proven or bool(owned(tx, device.unit_code, [sha256])))
            row = _latest_upload(tx, device, sha256, length)
            if held:
                if proven:
                    record_owner(tx, device.unit_code, sha256, "challenge")
                if row is None:
                    row = _new(device, sha256, length, done=True)
                    _insert(tx, row, metadata)
                elif not row["completed"]:
                    tx.execute("UPDATE uploads SET completed = 1, upload_offset = length"
                               " WHERE id = ?", (row["id"],))
                    row = {**row, "completed": 1, "upload_offset": length}
                return row
            if row is not None and not row["completed"]:
                return row
        upload = _new(device, sha256, length)
        _insert(tx, upload, metadata)
    return upload


def create_finished_upload(db: Database, device: Device, sha256: str, length: int,
                           upload_id: str, metadata: str | None, reuse: bool) -> dict[str, Any]:
    """A whole file that came with its creation POST, already verified and in the blob
    store: the upload (finished), its metadata, the blob row and the unit's possession in
    one commit. With ``reuse``, an open upload of the same file from a lost answer is
    finished and returned instead."""
    with db.transaction() as tx:
        _add_blob(tx, sha256, length)
        record_owner(tx, device.unit_code, sha256, "upload")
        row = _latest_upload(tx, device, sha256, length) if reuse else None
        if row is not None and row["completed"]:
            return row
        if row is not None:
            # The whole file is here now: the open upload of it is finished too.
            tx.execute("UPDATE uploads SET completed = 1, upload_offset = length WHERE id = ?",
                       (row["id"],))
            return {**row, "completed": 1, "upload_offset": length}
        upload = _new(device, sha256, length, upload_id=upload_id, done=True)
        _insert(tx, upload, metadata)
    return upload


def upload_metadata(db: Database, upload_id: str) -> str | None:
    with db.transaction(write=False) as tx:
        row = tx.one("SELECT metadata FROM upload_metadata WHERE upload_id = ?", (upload_id,))
    return str(row["metadata"]) if row else None


def get_upload(db: Database, device: Device, upload_id: str) -> dict[str, Any]:
    with db.transaction(write=False) as tx:
        row = tx.one("SELECT * FROM uploads WHERE id = ? AND device_id = ?",
                     (upload_id, device.id))
    if row is None:
        raise ApiError(404, "upload_not_found",
                       _("Không có phiên tải lên {id}.", id=upload_id))
    if row["expires_at"] <= _now() and not row["completed"]:
        raise ApiError(410, "upload_expired",
                       _("Phiên tải lên {id} đã hết hạn, hãy tải lại từ đầu.", id=upload_id))
    return row


def current_offset(db: Database, upload_id: str) -> int | None:
    with db.transaction(write=False) as tx:
        row = tx.one("SELECT upload_offset FROM uploads WHERE id = ?", (upload_id,))
    return int(row["upload_offset"]) if row else None


def advance_upload(db: Database, upload_id: str, old_offset: int, new_offset: int) -> bool:
    with db.transaction() as tx:
        return tx.execute(
            "UPDATE uploads SET upload_offset = ? WHERE id = ? AND upload_offset = ?",
            (new_offset, upload_id, old_offset),
        ) == 1


class _OffsetMoved(Exception):
    pass


def complete_upload(db: Database, device: Device, upload: dict[str, Any],
                    from_offset: int | None = None) -> bool:
    """The blob row, the unit's possession and the finished upload in one commit. With
    ``from_offset`` (the last chunk's start) this is also the chunk's offset advance: False
    if the offset moved."""
    try:
        with db.transaction() as tx:
            _add_blob(tx, upload["sha256"], upload["length"])
            record_owner(tx, device.unit_code, upload["sha256"], "upload")
            if from_offset is None:
                tx.execute("UPDATE uploads SET completed = 1, upload_offset = length"
                           " WHERE id = ?", (upload["id"],))
            elif tx.execute("UPDATE uploads SET completed = 1, upload_offset = length"
                            " WHERE id = ? AND upload_offset = ?",
                            (upload["id"], from_offset)) != 1:
                raise _OffsetMoved
    except _OffsetMoved:
        return False
    return True


def drop_upload(db: Database, upload_id: str) -> None:
    with db.transaction() as tx:
        tx.execute("DELETE FROM uploads WHERE id = ?", (upload_id,))
        tx.execute("DELETE FROM upload_metadata WHERE upload_id = ?", (upload_id,))


def unknown_uploads(db: Database, upload_ids: Iterable[str]) -> list[str]:
    """Which of ``upload_ids`` no upload row names (a server killed in the middle of a
    creation POST leaves such a partial file)."""
    with db.transaction(write=False) as tx:
        return [i for i in upload_ids
                if tx.one("SELECT id FROM uploads WHERE id = ?", (i,)) is None]


def expired_uploads(db: Database) -> list[str]:
    with db.transaction() as tx:
        rows = tx.all("SELECT id FROM uploads WHERE completed = 0 AND expires_at <= ?",
                      (_now(),))
        tx.execute("DELETE FROM uploads WHERE completed = 0 AND expires_at <= ?", (_now(),))
        for r in rows:
            tx.execute("DELETE FROM upload_metadata WHERE upload_id = ?", (r["id"],))
    return [r["id"] for r in rows]
