"""Resumable blob upload (tus 1.0: creation, checksum) with the upload URL kept in SQLite."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from kiosk.storage import Store
from kiosk.sync.crash import crashpoint

TUS = {"Tus-Resumable": "1.0.0"}
MIN_CHUNK = 64 * 1024
START_CHUNK = 256 * 1024
MAX_CHUNK = 2 * 1024 * 1024


class UploadRestart(Exception):
    """The server forgot the upload (404/410, or the blob failed its final hash): start over."""


class LocalFileBad(Exception):
    """The scan on this machine is missing or no longer hashes to its name."""


@dataclass
class ChunkSizer:
    """Start at 256 KiB, double after a success up to 2 MiB, halve after a timeout."""

    size: int = START_CHUNK

    def grow(self) -> None:
        self.size = min(MAX_CHUNK, self.size * 2)

    def shrink(self) -> None:
        self.size = max(MIN_CHUNK, self.size // 2)


def _checksum(data: bytes) -> str:
    return "sha256 " + base64.b64encode(hashlib.sha256(data).digest()).decode()


def upload_blob(
    http: httpx.Client,
    store: Store,
    op_id: str,
    sha256: str,
    upload_url: str | None,
    headers: Callable[[], dict[str, str]],
    sizer: ChunkSizer,
    on_bytes: Callable[[int], None],
) -> int:
    """Make sure the server has ``sha256``; returns the payload bytes sent for it.

    Raises httpx errors and :class:`httpx.HTTPStatusError` for the caller to classify.
    """
    r = http.head(f"/v1/blobs/{sha256}", headers=headers())
    if r.status_code == 200:
        store.set_blob_upload(op_id, sha256, uploaded=True)
        return 0
    if r.status_code != 404:
        r.raise_for_status()
    if store.files.verify(sha256) is not None:
        raise LocalFileBad(sha256)
    path = store.file_path(sha256)
    length = path.stat().st_size
    offset = None
    if upload_url:
        r = http.head(upload_url, headers={**headers(), **TUS})
        if r.status_code in (404, 410):
            upload_url = None
        else:
            r.raise_for_status()
            offset = int(r.headers["Upload-Offset"])
    if upload_url is None:
        meta = "sha256 " + base64.b64encode(sha256.encode()).decode()
        r = http.post("/v1/uploads", headers={**headers(), **TUS, "Upload-Length": str(length),
                                              "Upload-Metadata": meta})
        r.raise_for_status()
        upload_url = r.headers["Location"]
        offset = int(r.headers.get("Upload-Offset", "0"))
        # Stored before the first PATCH: after a restart we resume instead of re-sending.
        store.set_blob_upload(op_id, sha256, upload_url=upload_url)
        crashpoint("upload_url_stored")
    assert offset is not None and upload_url is not None
    sent = 0
    with path.open("rb") as fh:
        while offset < length:
            fh.seek(offset)
            chunk = fh.read(sizer.size)
            try:
                r = http.patch(upload_url, content=chunk, headers={
                    **headers(), **TUS, "Upload-Offset": str(offset),
                    "Content-Type": "application/offset+octet-stream",
                    "Upload-Checksum": _checksum(chunk)})
            except httpx.TimeoutException:
                sizer.shrink()
                raise
            sent += len(chunk)
            if r.status_code == 409 and "offset" in _json(r):
                offset = int(str(_json(r)["offset"]))  # the server has more (or less) than we thought
                continue
            if r.status_code in (404, 410) or (
                    r.status_code == 460 and _json(r).get("error") == "blob_checksum_mismatch"):
                store.set_blob_upload(op_id, sha256, upload_url=None)
                raise UploadRestart(sha256)
            r.raise_for_status()
            new_offset = int(r.headers["Upload-Offset"])
            on_bytes(new_offset - offset)
            offset = new_offset
            sizer.grow()
            crashpoint("chunk_sent")
    store.set_blob_upload(op_id, sha256, uploaded=True)
    crashpoint("blob_done")
    return sent


def _json(r: httpx.Response) -> dict[str, object]:
    try:
        body = r.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
