"""tus 1.0 on the central server (core, creation, creation-with-upload, checksum,
expiration), as the official implementations expect it (tus-js-client and @tus/server are
tested against it, tests/tus).

- ``Tus-Resumable`` missing or not 1.0.0: 412 with ``Tus-Version`` (every request but OPTIONS).
- Creation: ``Upload-Length: 0`` is a finished upload (the blob exists at once). A repeated
  creation POST is idempotent per (device, sha256, length) only when the client asks for it
  with an ``Idempotency-Key`` header (the kiosk client does, so a lost answer never makes it
  send bytes again); a standard client starting fresh gets a fresh upload at offset 0. A
  blob the device's unit holds, or proves it holds (``Blob-Proof``, :mod:`central.possession`),
  is finished at creation; for any other unit the creation answers as if the blob were absent.
- A PATCH (or a creation's data) may be any part of the upload, streamed to disk
  (:mod:`central.chunks`); a body cut short keeps what arrived. There is no chunk size limit
  (no ``Tus-Max-Chunk-Size``); ``Tus-Max-Size`` is advertised, 413 beyond it.
- Checksums sha1 and sha256 (400 for another algorithm, 460 for a mismatch); 415 for a PATCH
  without application/offset+octet-stream.
- ``Upload-Metadata`` as the client sent it on HEAD; ``Upload-Expires`` on POST, HEAD, PATCH.
"""
# No ``from __future__ import annotations``: FastAPI reads the route annotations at runtime.

import base64
import binascii
import uuid
from datetime import datetime
from email.utils import formatdate
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, Request, Response
from fastapi import Path as PathParam
from fastapi.concurrency import run_in_threadpool

from central import possession, uploads
from central.audit import forget_lost_blob
from central.blobstore import BlobStore, PartialFile
from central.chunks import Checksum, UploadLocks, drain, receive_into
from central.common import ApiError, Device
from central.db import Database
from central.limits import ServerLimits
from central.models import error_responses
from kiosk.i18n import _

TUS_VERSION = "1.0.0"
OCTET_STREAM = "application/offset+octet-stream"
EXTENSIONS = "creation,creation-with-upload,checksum,expiration"
def _header(name: str, schema: dict[str, Any], description: str,
            required: bool = False) -> dict[str, Any]:
    return {"name": name, "in": "header", "required": required, "schema": schema,
            "description": description}


def header_docs(limits: ServerLimits) -> dict[str, dict[str, Any]]:
    """The tus headers as the OpenAPI description states them. The routes read them with
    ``include_in_schema=False`` and check them themselves: tus answers a bad
    ``Tus-Resumable`` with 412 and a bad ``Upload-Offset`` with 400, which FastAPI's own
    validation (422) would not."""
    size = {"type": "integer", "minimum": 0, "maximum": limits.max_blob_size}
    return {
        "Tus-Resumable": _header("Tus-Resumable", {"type": "string", "enum": [TUS_VERSION]},
                                 "The tus version (412 with Tus-Version otherwise)", True),
        "Upload-Length": _header("Upload-Length", size, "The file's size (413 beyond "
                                 "Tus-Max-Size)", True),
        "Upload-Offset": _header("Upload-Offset", size, "Where this chunk starts (409 with "
                                 "the server's offset when it is not the upload's)", True),
        "Upload-Metadata": _header(
            "Upload-Metadata", {"type": "string", "format": "tus-sha256-metadata",
                                "maxLength": 4000},
            "`sha256 <base64 of the file's lowercase hex sha256>`, then other `key[ base64]`"
            " pairs, comma-separated", True),
        "Upload-Checksum": _header(
            "Upload-Checksum", {"type": "string", "format": "tus-checksum",
                                "maxLength": 100},
            "`sha1 <base64 of 20 bytes>` or `sha256 <base64 of 32 bytes>`: the body's digest "
            "(400 for another algorithm or size, 460 when it does not match the body)"),
        "Idempotency-Key": _header(
            "Idempotency-Key", {"type": "string", "minLength": 1, "maxLength": 200},
            "Asks for an idempotent creation: the same (device, sha256, length) gets the "
            "same upload, and a blob the unit holds is finished at once"),
        "Blob-Proof": _header(
            "Blob-Proof", {"type": "string", "maxLength": 300},
            "`<nonce> <answer>`: the answer to a Blob-Challenge (docs/SYNC.md)"),
    }


def _check_tus(value: str | None) -> None:
    if value != TUS_VERSION:
        raise ApiError(412, "tus_version", _("Chỉ hỗ trợ tus {v}.", v=TUS_VERSION),
                       headers={"Tus-Version": TUS_VERSION})


def _number(value: str | None, code: str, message: str) -> int:
    if value is None or not value.isascii() or not value.isdigit() or len(value) > 19:
        raise ApiError(400, code, message)
    return int(value)


def parse_metadata(metadata: str) -> dict[str, str | None]:
    """``key base64,key2 base64`` (tus creation); a bad pair is a 400."""
    out: dict[str, str | None] = {}
    for pair in metadata.split(","):
        parts = pair.strip().split(" ")
        if not parts[0] or len(parts) > 2:
            raise ApiError(400, "metadata_format", _("Upload-Metadata không hợp lệ."))
        value = None
        if len(parts) == 2:
            try:
                value = base64.b64decode(parts[1], validate=True).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError):
                raise ApiError(400, "metadata_format",
                               _("Upload-Metadata không hợp lệ.")) from None
        out[parts[0]] = value
    return out


def _metadata_sha(metadata: str | None) -> str:
    value = parse_metadata(metadata).get("sha256") if metadata else None
    if value and len(value) == 64 and all(c in "0123456789abcdef" for c in value):
        return value
    raise ApiError(400, "missing_sha256",
                   _("Upload-Metadata phải có sha256 của tệp (hex, mã hoá base64)."))


def http_date(iso_text: str) -> str:
    return formatdate(datetime.fromisoformat(iso_text).timestamp(), usegmt=True)


def _mismatch() -> ApiError:
    return ApiError(460, "blob_checksum_mismatch",
                    _("Tệp tải lên không khớp mã băm sha256; hãy tải lại."))


def _is_octets(content_type: str | None) -> bool:
    return (content_type or "").split(";")[0].strip().lower() == OCTET_STREAM


class TusUploads:
    """The upload endpoint's state: the database, the blob store, one writer per upload."""

    def __init__(self, db: Database, blobs: BlobStore, limits: ServerLimits) -> None:
        self.db = db
        self.blobs = blobs
        self.limits = limits
        self.locks = UploadLocks()

    def _open(self, upload: dict[str, Any], offset: int) -> tuple[PartialFile, bool]:
        """The partial file at ``offset``, and whether its earlier bytes were lost (a crash
        after the last chunk's rename, or an upload resumed on a server without them)."""
        lost = offset > 0 and not self.blobs.partial_path(upload["id"]).exists()
        return self.blobs.open_partial(upload["id"], offset), lost

    async def write(self, request: Request, dev: Device, upload: dict[str, Any], offset: int,
                    checksum: Checksum | None, interrupt: Any) -> int:
        """Stream the request's body into ``upload`` at ``offset``; the new offset."""
        partial, lost = await run_in_threadpool(self._open, upload, offset)
        try:
            got = await receive_into(partial, request.receive, upload["length"] - offset,
                                     interrupt, checksum)
            if got.complete and checksum is not None and got.digest != checksum.expected:
                await run_in_threadpool(partial.cut, offset)
                raise ApiError(460, "checksum_mismatch",
                               _("Phần dữ liệu bị hỏng trên đường truyền; hãy gửi lại."))
        finally:
            await run_in_threadpool(partial.close)
        if got.end < upload["length"]:
            if lost:
                # The bytes before ``offset`` are gone: the file can never hash right.
                await run_in_threadpool(self._drop, upload["id"])
                raise _mismatch()
            if got.end > offset and not await run_in_threadpool(
                    uploads.advance_upload, self.db, upload["id"], offset, got.end):
                raise ApiError(409, "offset_mismatch", _("Vị trí tải lên đã thay đổi."),
                               offset=await run_in_threadpool(
                                   uploads.current_offset, self.db, upload["id"]))
            if not got.complete and interrupt.is_set():
                # Another request took the upload over; this one kept what it had.
                raise ApiError(409, "upload_taken_over",
                               _("Một yêu cầu khác đang tải tiếp tệp này."), offset=got.end)
            return got.end
        await run_in_threadpool(self._finish, dev, upload, offset, lost)
        return got.end

    def _drop(self, upload_id: str) -> None:
        self.blobs.discard(upload_id)
        uploads.drop_upload(self.db, upload_id)

    def _finish(self, dev: Device, upload: dict[str, Any], offset: int, lost: bool) -> None:
        """The last bytes are in: re-hash, rename into place, then the offset, the upload's
        end, the blob row and the unit's possession in one commit."""
        sha, length = upload["sha256"], upload["length"]
        if lost:
            # Only a blob already in place whose tail is exactly what was just sent (the
            # server died after the rename, before the commit) finishes such an upload.
            tail_ok = (self.blobs.has(sha) and self.blobs.size(sha) == length
                       and self._same_tail(upload["id"], sha, offset, length)
                       and self.blobs.rehash(sha) == sha)
            self.blobs.discard(upload["id"])
            if not tail_ok:
                uploads.drop_upload(self.db, upload["id"])
                raise _mismatch()
        elif not self.blobs.finish(upload["id"], sha, length):
            uploads.drop_upload(self.db, upload["id"])
            raise _mismatch()
        if not uploads.complete_upload(self.db, dev, upload, from_offset=offset):
            raise ApiError(409, "offset_mismatch", _("Vị trí tải lên đã thay đổi."),
                           offset=uploads.current_offset(self.db, upload["id"]))

    def _same_tail(self, upload_id: str, sha: str, start: int, end: int) -> bool:
        with self.blobs.partial_path(upload_id).open("rb") as fh:
            pos = start
            fh.seek(pos)
            while pos < end:
                mine = fh.read(min(1 << 20, end - pos))
                if not mine or mine != self.blobs.read_range(sha, pos, len(mine)):
                    return False
                pos += len(mine)
        return True

    async def whole_file(self, request: Request, dev: Device, sha: str, length: int,
                         metadata: str | None, reuse: bool, checksum: Checksum | None
                         ) -> dict[str, Any] | None:
        """A creation POST carrying the whole file: written, re-hashed and renamed, then the
        upload and the blob row in one commit (one commit per page). A body cut short is
        dropped (its client never learnt the upload's address). None: it was cut."""
        upload_id = uuid.uuid4().hex
        partial = await run_in_threadpool(self.blobs.open_partial, upload_id, 0)
        async with self.locks.hold(upload_id) as interrupt:
            try:
                got = await receive_into(partial, request.receive, length, interrupt, checksum)
            except BaseException:
                # No upload row names this file: nothing would ever remove it.
                partial.close()
                await run_in_threadpool(self.blobs.discard, upload_id)
                raise
            # Closing a file already synced does no I/O that waits: no thread hand-off.
            partial.close()
        if not got.complete or got.end != length or (
                checksum is not None and got.digest != checksum.expected):
            await run_in_threadpool(self.blobs.discard, upload_id)
            if not got.complete:
                return None
            if got.end != length:
                raise ApiError(400, "incomplete_chunk", _("Phần dữ liệu không đến đủ."))
            raise ApiError(460, "checksum_mismatch",
                           _("Phần dữ liệu bị hỏng trên đường truyền; hãy gửi lại."))
        return await run_in_threadpool(self._whole_finish, dev, sha, length, upload_id,
                                       metadata, reuse)

    def _whole_finish(self, dev: Device, sha: str, length: int, upload_id: str,
                      metadata: str | None, reuse: bool) -> dict[str, Any]:
        # One hand-off to a worker thread for the re-hash, the rename and the commit.
        if not self.blobs.finish(upload_id, sha, length):
            raise _mismatch()
        return uploads.create_finished_upload(self.db, dev, sha, length, upload_id, metadata,
                                              reuse)

    def create(self, dev: Device, sha: str, length: int, metadata: str | None, reuse: bool,
               proven: bool) -> dict[str, Any]:
        # A blob row whose bytes were lost (a server restored without its blob directory)
        # must not make this upload "already complete": the counter's audit re-sends it.
        forget_lost_blob(self.db, self.blobs, sha)
        return uploads.create_upload(self.db, dev, sha, length, metadata, reuse, proven)

    def finish_empty(self, dev: Device, upload: dict[str, Any]) -> None:
        """A zero-length upload is complete when created: the (empty) blob exists now."""
        self.blobs.write_chunk(upload["id"], 0, b"")
        if not self.blobs.finish(upload["id"], upload["sha256"], 0):
            uploads.drop_upload(self.db, upload["id"])
            raise _mismatch()
        uploads.complete_upload(self.db, dev, upload)
        upload["completed"], upload["upload_offset"] = 1, 0


def add_routes(app: FastAPI, tus: TusUploads, device: Any) -> None:
    DeviceDep = Annotated[Device, Depends(device)]
    UploadId = Annotated[str, PathParam(max_length=64)]
    TusHeader = Annotated[str | None, Header(include_in_schema=False)]
    limits = tus.limits
    docs = header_docs(limits)

    def documented(*names: str, body_required: bool) -> dict[str, Any]:
        return {"parameters": [docs[n] for n in names],
                "requestBody": {"required": body_required, "content": {
                    OCTET_STREAM: {"schema": {"type": "string", "format": "binary"}}}}}

    @app.options("/v1/uploads", status_code=204, tags=["blobs"], response_class=Response)
    def tus_options() -> Response:
        return Response(status_code=204, headers={
            "Tus-Resumable": TUS_VERSION, "Tus-Version": TUS_VERSION,
            "Tus-Extension": EXTENSIONS, "Tus-Checksum-Algorithm": "sha1,sha256",
            "Tus-Max-Size": str(limits.max_blob_size)})

    @app.post("/v1/uploads", status_code=201, tags=["blobs"], response_class=Response,
              responses={201: {"description": "Created", "headers": {
                  "Location": {"schema": {"type": "string"}},
                  "Upload-Offset": {"schema": {"type": "integer", "minimum": 0}}}},
                  **error_responses(400, 401, 409, 412, 413, 415, 422, 460, 507)},
              openapi_extra=documented("Tus-Resumable", "Upload-Length", "Upload-Metadata",
                                       "Upload-Checksum", "Idempotency-Key", "Blob-Proof",
                                       body_required=False))
    async def create_upload(
        request: Request,
        dev: DeviceDep,
        tus_resumable: TusHeader = None,
        upload_length: TusHeader = None,
        upload_metadata: Annotated[str | None, Header(include_in_schema=False,
                                                      max_length=4000)] = None,
        idempotency_key: Annotated[str | None, Header(include_in_schema=False, min_length=1,
                                                      max_length=200)] = None,
        content_type: TusHeader = None,
        upload_checksum: TusHeader = None,
        blob_proof: Annotated[str | None, Header(include_in_schema=False,
                                                 max_length=300)] = None,
    ) -> Response:
        """tus creation (and creation-with-upload: a body of type
        ``application/offset+octet-stream`` is the first chunk, or the whole file).
        ``Upload-Metadata`` must carry ``sha256 <base64 of the hex>``."""
        _check_tus(tus_resumable)
        length = _number(upload_length, "upload_length",
                         _("Thiếu hoặc sai tiêu đề Upload-Length."))
        if length > limits.max_blob_size:
            raise ApiError(413, "upload_too_large",
                           _("Tệp lớn hơn mức máy chủ nhận ({limit} byte).",
                             limit=limits.max_blob_size), max_size=limits.max_blob_size)
        sha = _metadata_sha(upload_metadata)
        has_data = _is_octets(content_type)
        checksum = Checksum.parse(upload_checksum) if has_data else None
        if upload_checksum is not None and not has_data:
            Checksum.parse(upload_checksum)  # malformed is 400 even without data
        declared = request.headers.get("content-length", "")
        sent = int(declared) if declared.isdigit() else None
        if has_data and sent is not None and sent > length:
            raise ApiError(400, "past_length", _("Dữ liệu vượt quá độ dài đã khai báo."))
        reuse = idempotency_key is not None
        proven = blob_proof is not None and await run_in_threadpool(
            possession.verify, tus.db, tus.blobs, dev.unit_code, sha, length, blob_proof)
        upload: dict[str, Any] | None = None
        if has_data and not proven and 0 < length == sent:
            # The whole file is here: its bytes are put in place before its blob row can
            # count, so a row whose bytes were lost is no concern (no forget_lost_blob).
            upload = await tus.whole_file(request, dev, sha, length, upload_metadata, reuse,
                                          checksum)
            if upload is None:  # cut short: nobody reads this answer
                raise ApiError(400, "incomplete_chunk", _("Phần dữ liệu không đến đủ."))
        else:
            upload = await run_in_threadpool(tus.create, dev, sha, length, upload_metadata,
                                             reuse, proven)
            if length == 0 and not upload["completed"]:
                await run_in_threadpool(tus.finish_empty, dev, upload)
            elif has_data and not upload["completed"] and upload["upload_offset"] == 0:
                async with tus.locks.hold(upload["id"]) as interrupt:
                    upload["upload_offset"] = await tus.write(request, dev, upload, 0,
                                                              checksum, interrupt)
            elif has_data:
                # An upload that already has bytes (a repeated POST) ignores the body; its
                # offset in the answer tells the client where to go on.
                await drain(request.receive)
        return Response(status_code=201, headers={
            "Location": f"/v1/uploads/{upload['id']}", "Tus-Resumable": TUS_VERSION,
            "Upload-Offset": str(upload["upload_offset"]),
            "Upload-Expires": http_date(upload["expires_at"]),
        })

    @app.head("/v1/uploads/{upload_id}", tags=["blobs"], response_class=Response,
              responses={200: {"description": "The upload's offset and length", "headers": {
                  "Upload-Offset": {"schema": {"type": "integer", "minimum": 0}},
                  "Upload-Length": {"schema": {"type": "integer", "minimum": 0}}}},
                  **error_responses(401, 404, 410, 412)},
              openapi_extra={"parameters": [docs["Tus-Resumable"]]})
    def head_upload(upload_id: UploadId, dev: DeviceDep,
                    tus_resumable: TusHeader = None) -> Response:
        _check_tus(tus_resumable)
        upload = uploads.get_upload(tus.db, dev, upload_id)
        headers = {
            "Upload-Offset": str(upload["upload_offset"]),
            "Upload-Length": str(upload["length"]), "Tus-Resumable": TUS_VERSION,
            "Cache-Control": "no-store", "Upload-Expires": http_date(upload["expires_at"]),
        }
        metadata = uploads.upload_metadata(tus.db, upload_id)
        if metadata:
            headers["Upload-Metadata"] = metadata
        return Response(headers=headers)

    @app.patch(
        "/v1/uploads/{upload_id}", status_code=204, tags=["blobs"], response_class=Response,
        responses={204: {"description": "Stored", "headers": {
            "Upload-Offset": {"schema": {"type": "integer", "minimum": 0}}}},
            **error_responses(400, 401, 404, 409, 410, 412, 413, 415, 422, 460, 507)},
        openapi_extra=documented("Tus-Resumable", "Upload-Offset", "Upload-Checksum",
                                 body_required=True),
    )
    async def patch_upload(
        request: Request,
        upload_id: UploadId,
        dev: DeviceDep,
        tus_resumable: TusHeader = None,
        upload_offset: TusHeader = None,
        content_type: TusHeader = None,
        upload_checksum: TusHeader = None,
    ) -> Response:
        # 415 before 412: a request without even a body type is not a tus PATCH at all.
        if not _is_octets(content_type):
            raise ApiError(415, "wrong_content_type",
                           _("Nội dung phải có kiểu application/offset+octet-stream."))
        _check_tus(tus_resumable)
        offset = _number(upload_offset, "upload_offset",
                         _("Thiếu hoặc sai tiêu đề Upload-Offset."))
        checksum = Checksum.parse(upload_checksum)
        async with tus.locks.hold(upload_id) as interrupt:
            upload = await run_in_threadpool(uploads.get_upload, tus.db, dev, upload_id)
            length = int(upload["length"])
            if upload["completed"]:
                if offset != length:
                    raise ApiError(409, "offset_mismatch", _("Tệp đã tải lên xong."),
                                   offset=length)
                new_offset = length  # a repeated last PATCH: already done
            elif offset != upload["upload_offset"]:
                raise ApiError(409, "offset_mismatch",
                               _("Vị trí tải lên {got} không khớp, máy chủ đang ở {have}.",
                                 got=offset, have=upload["upload_offset"]),
                               offset=upload["upload_offset"])
            else:
                sent = request.headers.get("content-length", "")
                if sent.isdigit() and offset + int(sent) > length:
                    raise ApiError(400, "past_length",
                                   _("Dữ liệu vượt quá độ dài đã khai báo."))
                new_offset = await tus.write(request, dev, upload, offset, checksum,
                                             interrupt)
        return Response(status_code=204, headers={
            "Upload-Offset": str(new_offset), "Tus-Resumable": TUS_VERSION,
            "Upload-Expires": http_date(upload["expires_at"])})
