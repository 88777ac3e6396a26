"""Resumable blob upload (tus 1.0, see :mod:`kiosk.sync.tus`) with the upload URL kept in
SQLite, after asking the central server whether it already has the blob for this unit (and
answering its possession challenge, which spares the upload when another unit sent the same
file)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kiosk.storage import Store
from kiosk.sync import possession, wire
from kiosk.sync.crash import crashpoint
from kiosk.sync.state import server_version
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


def direct_shas(store: Store, item: dict[str, Any], tried: set[str]) -> set[str]:
    """The blobs of outbox ``item`` that need no ``HEAD /v1/blobs`` before their upload.

    Only the first attempt of a dossier's first upsert (never in flight before, so no
    earlier attempt or crashed process sent anything; the server has never acknowledged
    the dossier), and only scans made here: a reused paper (``from_national_db``) came
    from the server or an earlier dossier, and a supplement's or a signature's upsert
    lists pages already sent. ``tried`` (the engine's, for the process) keeps a scan
    shared by two new dossiers of a group to one direct attempt. Any retry asks first,
    so a file whose upload may have arrived is not sent again."""
    if item["attempts"] or item["kind"] != "dossier.upsert" or not item["dossier_id"] or \
            store.read(lambda db: server_version(db, item["dossier_id"])) is not None:
        return set()
    reused = {p.get("sha256") for c in item["payload"].get("components", ())
              if c.get("from_national_db") for p in c.get("pages", ())}
    fresh = {b["sha256"] for b in item["blobs"]} - reused - tried
    tried |= fresh
    return fresh


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
    direct: bool = False,
) -> int:
    """Make sure the server has ``sha256``; returns the payload bytes sent for it.

    ``on_uploaded`` takes over recording the blob as uploaded (the engine records a
    dossier's blobs in one transaction); without it, each is committed here.

    ``direct`` (from :func:`direct_shas`): the server cannot have this blob from this
    counter yet, so a file that fits one creation-with-upload goes straight to the POST
    without asking ``HEAD /v1/blobs`` first: one request per scan instead of two.

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

    def remember(url: str | None) -> None:
        store.set_blob_upload(op_id, sha256, upload_url=url)

    def upload(capabilities: TusServer, proof: dict[str, str]) -> Upload:
        assert local_size is not None
        return Upload(http, UPLOADS, path, local_size, {"sha256": sha256}, headers,
                      capabilities, sizer, remember, on_bytes,
                      idempotency_key=f"upload-{sha256}-{local_size}", creation_headers=proof)

    if direct and upload_url is None and server is not None and local_size:
        capabilities = server()
        first = upload(capabilities, {})
        if first.fits_creation():
            if store.files.verify(sha256) is not None:
                raise LocalFileBad(sha256)
            sent = first.run(None)
            uploaded()
            crashpoint("blob_done")
            return sent
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

    # The server's capabilities (OPTIONS) are asked only once an upload is really needed.
    capabilities = server() if server else TusServer(frozenset({"creation", "checksum"}),
                                                     ("sha256",))
    sent = upload(capabilities, proof).run(upload_url)
    uploaded()
    crashpoint("blob_done")
    return sent
