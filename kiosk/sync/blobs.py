"""Resumable blob upload (tus 1.0, see :mod:`kiosk.sync.tus`) with the upload URL kept in
SQLite, after asking the central server whether it already has the blob for this unit (and
answering its possession challenge, which spares the upload when another unit sent the same
file)."""

from __future__ import annotations

from collections.abc import Callable

from kiosk.storage import Store
from kiosk.sync import possession, wire
from kiosk.sync.crash import crashpoint
from kiosk.sync.transport import ServerClient
from kiosk.sync.tus import (  # noqa: F401 - re-exported for callers and tests
    MAX_CHUNK,
    MIN_CHUNK,
    START_CHUNK,
    TUS,
    ChunkSizer,
    TusServer,
    Upload,
    UploadRestart,
)

UPLOADS = "/v1/uploads"


class LocalFileBad(Exception):
    """The scan on this machine is missing or no longer hashes to its name."""


def upload_blob(
    http: ServerClient,
    store: Store,
    op_id: str,
    sha256: str,
    upload_url: str | None,
    headers: Callable[[], dict[str, str]],
    sizer: ChunkSizer,
    on_bytes: Callable[[int], None],
    server: Callable[[], TusServer] | None = None,
    on_uploaded: Callable[[str], None] | None = None,
) -> int:
    """Make sure the server has ``sha256``; returns the payload bytes sent for it.

    ``on_uploaded`` takes over recording the blob as uploaded (the engine records a
    dossier's blobs in one transaction); without it, each is committed here.

    Raises httpx errors and :class:`httpx.HTTPStatusError` for the caller to classify.
    """
    path = store.files.path_for(sha256)
    try:
        local_size: int | None = path.stat().st_size
    except OSError:
        local_size = None
    def uploaded() -> None:
        if on_uploaded is None:
            store.set_blob_upload(op_id, sha256, uploaded=True)
        else:
            on_uploaded(sha256)

    r = http.head(f"/v1/blobs/{sha256}", headers=headers())
    if r.status_code == 200:
        # A captive portal answers 200 to anything: only the server's own answer, naming
        # the blob's length, says the blob is there.
        size = wire.int_header(r, "Upload-Length", "HEAD blob")
        if local_size is not None and size != local_size:
            raise wire.BadResponse(f"HEAD blob: Upload-Length {size} != {local_size}")
        uploaded()
        return 0
    if r.status_code != 404:
        r.raise_for_status()
    if store.files.verify(sha256) is not None or local_size is None:
        raise LocalFileBad(sha256)
    # The server shares identical files between units, but counts one for this unit only
    # once it proves it holds the bytes: answering the challenge costs a local read, and
    # the upload is skipped when the server already has the file (kiosk.sync.possession).
    proof = {}
    nonce = r.headers.get(possession.CHALLENGE_HEADER, "")
    if 0 < len(nonce) <= 200 and nonce.isascii() and nonce.isprintable() and " " not in nonce:
        proof = {possession.PROOF_HEADER: f"{nonce} {possession.answer_file(path, nonce)}"}

    def remember(url: str | None) -> None:
        store.set_blob_upload(op_id, sha256, upload_url=url)

    # The server's capabilities (OPTIONS) are asked only once an upload is really needed.
    capabilities = server() if server else TusServer(frozenset({"creation", "checksum"}),
                                                     ("sha256",))
    upload = Upload(http, UPLOADS, path, local_size, {"sha256": sha256}, headers, capabilities,
                    sizer, remember, on_bytes, idempotency_key=f"upload-{sha256}-{local_size}",
                    creation_headers=proof)
    sent = upload.run(upload_url)
    uploaded()
    crashpoint("blob_done")
    return sent
