"""tus 1.0 on the central server (core, creation, creation-with-upload, checksum,
expiration), as the official implementations expect it (tus-js-client and @tus/server are
tested against it, tests/tus).

- ``Tus-Resumable`` missing or not 1.0.0: 412 with ``Tus-Version`` (every request but OPTIONS).
- Creation: ``Upload-Length: 0`` is a finished upload (the blob exists at once). A repeated
  creation POST is idempotent per (device, sha256, length) only when the client asks for it
  with an ``Idempotency-Key`` header (the kiosk client does, so a lost answer never makes it
  send bytes again); a standard client starting fresh gets a fresh upload at offset 0.
- ``Tus-Max-Size`` advertised, 413 beyond it; checksums sha1 and sha256 (400 for another
  algorithm, 460 for a mismatch); 415 for a PATCH without application/offset+octet-stream.
- ``Upload-Metadata`` as the client sent it on HEAD; ``Upload-Expires`` on POST, HEAD, PATCH.
"""
# No ``from __future__ import annotations``: FastAPI reads the route annotations at runtime.

import base64
import binascii
import hashlib
import uuid
from datetime import datetime
from email.utils import formatdate
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Depends, FastAPI, Header, Request, Response
from fastapi import Path as PathParam
from fastapi.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect

from central import service
from central.models import error_responses
from central.service import ApiError, Device
from kiosk.i18n import _

if TYPE_CHECKING:
    from central.app import Central

TUS_VERSION = "1.0.0"
CHECKSUMS = ("sha1", "sha256")
#: Largest upload a device may create (a scanned dossier part is a few MB).
DEFAULT_MAX_SIZE = 1 << 30


def _check_tus(value: str | None) -> None:
    if value != TUS_VERSION:
        raise ApiError(412, "tus_version", _("Chỉ hỗ trợ tus {v}.", v=TUS_VERSION),
                       headers={"Tus-Version": TUS_VERSION})


def _length(value: str | None, central: "Central") -> int:
    if value is None or not value.isascii() or not value.isdigit():
        raise ApiError(400, "upload_length", _("Thiếu hoặc sai tiêu đề Upload-Length."))
    length = int(value)
    if length > central.max_size:
        raise ApiError(413, "upload_too_large",
                       _("Tệp lớn hơn mức máy chủ nhận ({limit} byte).", limit=central.max_size),
                       max_size=central.max_size)
    return length


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


def _verify_checksum(header: str, data: bytes) -> None:
    algo, _sep, value = header.partition(" ")
    if algo not in CHECKSUMS:
        raise ApiError(400, "checksum_algorithm",
                       _("Chỉ hỗ trợ kiểm tra {algos}.", algos=", ".join(CHECKSUMS)))
    try:
        expected = base64.b64decode(value, validate=True)
    except binascii.Error:
        raise ApiError(400, "checksum_format", _("Upload-Checksum không hợp lệ.")) from None
    if hashlib.new(algo, data).digest() != expected:
        raise ApiError(460, "checksum_mismatch",
                       _("Phần dữ liệu bị hỏng trên đường truyền; hãy gửi lại."))


def http_date(iso_text: str) -> str:
    return formatdate(datetime.fromisoformat(iso_text).timestamp(), usegmt=True)


def _finish_empty(central: "Central", upload: dict[str, Any]) -> None:
    """A zero-length upload is complete when created: the (empty) blob exists now."""
    central.blobs.write_chunk(upload["id"], 0, b"")
    if not central.blobs.finish(upload["id"], upload["sha256"], 0):
        service.drop_upload(central.db, upload["id"])
        raise ApiError(460, "blob_checksum_mismatch",
                       _("Tệp tải lên không khớp mã băm sha256; hãy tải lại."))
    service.complete_upload(central.db, upload)
    upload["completed"], upload["upload_offset"] = 1, 0


def apply_chunk(central: "Central", dev: Device, upload_id: str, offset: int,
                data: bytes) -> tuple[int, str]:
    with central.upload_lock(upload_id):
        upload = service.get_upload(central.db, dev, upload_id)
        if upload["completed"]:
            if offset == upload["length"] and not data:
                return int(upload["length"]), upload["expires_at"]
            raise ApiError(409, "offset_mismatch", _("Tệp đã tải lên xong."),
                           offset=upload["length"])
        if offset != upload["upload_offset"]:
            raise ApiError(409, "offset_mismatch",
                           _("Vị trí tải lên {got} không khớp, máy chủ đang ở {have}.",
                             got=offset, have=upload["upload_offset"]),
                           offset=upload["upload_offset"])
        end = offset + len(data)
        if end > upload["length"]:
            raise ApiError(400, "past_length", _("Dữ liệu vượt quá độ dài đã khai báo."))
        if end < upload["length"]:
            central.blobs.write_chunk(upload_id, offset, data)
            if not service.advance_upload(central.db, upload_id, offset, end):
                raise ApiError(409, "offset_mismatch", _("Vị trí tải lên đã thay đổi."))
            return end, upload["expires_at"]
        # The last chunk: bytes fsynced, file re-hashed and renamed into place, then the
        # offset, the upload's end and the blob row in one commit (not two). A crash after
        # the rename but before that commit leaves the blob in place and no partial file:
        # the client's retry of this chunk is answered from the blob.
        if offset and not central.blobs.partial_path(upload_id).exists() \
                and central.blobs.has(upload["sha256"]) \
                and central.blobs.rehash(upload["sha256"]) == upload["sha256"]:
            service.complete_upload(central.db, upload)
            return end, upload["expires_at"]
        central.blobs.write_chunk(upload_id, offset, data)
        if not central.blobs.finish(upload_id, upload["sha256"], upload["length"]):
            service.drop_upload(central.db, upload_id)
            raise ApiError(460, "blob_checksum_mismatch",
                           _("Tệp tải lên không khớp mã băm sha256; hãy tải lại."))
        if not service.complete_upload(central.db, upload, from_offset=offset):
            raise ApiError(409, "offset_mismatch", _("Vị trí tải lên đã thay đổi."))
        return end, upload["expires_at"]


def add_routes(app: FastAPI, central: "Central", device: Any) -> None:
    DeviceDep = Annotated[Device, Depends(device)]
    UploadId = Annotated[str, PathParam(max_length=64)]
    TusHeader = Annotated[str | None, Header(description="1.0.0")]

    @app.options("/v1/uploads", status_code=204, tags=["blobs"])
    def tus_options() -> Response:
        return Response(status_code=204, headers={
            "Tus-Resumable": TUS_VERSION, "Tus-Version": TUS_VERSION,
            "Tus-Extension": "creation,creation-with-upload,checksum,expiration",
            "Tus-Checksum-Algorithm": ",".join(CHECKSUMS),
            "Tus-Max-Size": str(central.max_size),
            "Tus-Max-Chunk-Size": str(central.max_chunk),
        })

    async def read_body(request: Request) -> bytes:
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > central.max_chunk:
            raise ApiError(413, "chunk_too_large", _("Phần tải lên quá lớn."),
                           max_chunk=central.max_chunk)
        data = bytearray()
        try:
            async for part in request.stream():
                data.extend(part)
                if len(data) > central.max_chunk:
                    raise ApiError(413, "chunk_too_large", _("Phần tải lên quá lớn."),
                                   max_chunk=central.max_chunk)
        except ClientDisconnect:
            # The link dropped mid-chunk: nothing was written; the client resumes at the
            # last acknowledged offset.
            raise ApiError(400, "incomplete_chunk", _("Phần dữ liệu không đến đủ.")) from None
        return bytes(data)

    def create_and_write(dev: Device, sha: str, length: int, metadata: str | None,
                         reuse: bool, data: bytes) -> dict[str, Any]:
        if data and len(data) == length and service.blob_known(central.db, sha) is None:
            # The whole file in the POST: bytes fsynced, re-hashed and renamed into place,
            # then upload and blob row in one commit. A crash before it leaves a verified
            # blob file and no rows; the client's retry writes the same bytes again.
            upload_id = uuid.uuid4().hex
            central.blobs.write_chunk(upload_id, 0, data)
            if not central.blobs.finish(upload_id, sha, length):
                raise ApiError(460, "blob_checksum_mismatch",
                               _("Tệp tải lên không khớp mã băm sha256; hãy tải lại."))
            return service.create_finished_upload(central.db, dev, sha, length, upload_id,
                                                  metadata, reuse)
        upload = service.create_upload(central.db, dev, sha, length, metadata=metadata,
                                       reuse=reuse)
        if length == 0 and not upload["completed"]:
            _finish_empty(central, upload)
        elif data and not upload["completed"] and upload["upload_offset"] == 0:
            # creation-with-upload: the first chunk rides on the POST (one round trip for
            # a page). An upload that already has bytes (a repeated POST) ignores the body;
            # its offset in the answer tells the client where to go on.
            upload["upload_offset"], _exp = apply_chunk(central, dev, upload["id"], 0, data)
        return upload

    @app.post("/v1/uploads", status_code=201, tags=["blobs"],
              responses=error_responses(400, 401, 412, 413, 415, 422, 460, 507))
    async def create_upload(
        request: Request,
        dev: DeviceDep,
        tus_resumable: TusHeader = None,
        upload_length: Annotated[str | None, Header(max_length=20)] = None,
        upload_metadata: Annotated[str | None, Header(max_length=4000)] = None,
        idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
        content_type: Annotated[str | None, Header()] = None,
        upload_checksum: Annotated[str | None, Header()] = None,
    ) -> Response:
        """tus creation (and creation-with-upload: a body of type
        ``application/offset+octet-stream`` is the first chunk). ``Upload-Metadata`` must
        carry ``sha256 <base64 of the hex>``."""
        _check_tus(tus_resumable)
        length = _length(upload_length, central)
        sha = _metadata_sha(upload_metadata)
        data = b""
        if (content_type or "").split(";")[0].strip() == "application/offset+octet-stream":
            data = await read_body(request)
            if len(data) > length:
                raise ApiError(400, "past_length", _("Dữ liệu vượt quá độ dài đã khai báo."))
            if upload_checksum is not None and data:
                _verify_checksum(upload_checksum, data)
        upload = await run_in_threadpool(create_and_write, dev, sha, length, upload_metadata,
                                         idempotency_key is not None, data)
        return Response(status_code=201, headers={
            "Location": f"/v1/uploads/{upload['id']}", "Tus-Resumable": TUS_VERSION,
            "Upload-Offset": str(upload["upload_offset"]),
            "Upload-Expires": http_date(upload["expires_at"]),
        })

    @app.head("/v1/uploads/{upload_id}", tags=["blobs"], responses=error_responses(401, 404, 410, 412))
    def head_upload(upload_id: UploadId, dev: DeviceDep,
                    tus_resumable: TusHeader = None) -> Response:
        _check_tus(tus_resumable)
        upload = service.get_upload(central.db, dev, upload_id)
        headers = {
            "Upload-Offset": str(upload["upload_offset"]),
            "Upload-Length": str(upload["length"]), "Tus-Resumable": TUS_VERSION,
            "Cache-Control": "no-store", "Upload-Expires": http_date(upload["expires_at"]),
        }
        metadata = service.upload_metadata(central.db, upload_id)
        if metadata:
            headers["Upload-Metadata"] = metadata
        return Response(headers=headers)

    @app.patch(
        "/v1/uploads/{upload_id}", status_code=204, tags=["blobs"],
        responses=error_responses(400, 401, 404, 409, 410, 412, 413, 415, 422, 460, 507),
        openapi_extra={"requestBody": {"required": True, "content": {
            "application/offset+octet-stream": {"schema": {"type": "string",
                                                            "format": "binary"}}}}},
    )
    async def patch_upload(
        request: Request,
        upload_id: UploadId,
        dev: DeviceDep,
        tus_resumable: TusHeader = None,
        upload_offset: Annotated[str | None, Header(max_length=20)] = None,
        content_type: Annotated[str | None, Header()] = None,
        upload_checksum: Annotated[str | None, Header()] = None,
    ) -> Response:
        # 415 before 412: a request without even a body type is not a tus PATCH at all.
        if (content_type or "").split(";")[0].strip() != "application/offset+octet-stream":
            raise ApiError(415, "wrong_content_type",
                           _("Nội dung phải có kiểu application/offset+octet-stream."))
        _check_tus(tus_resumable)
        if upload_offset is None or not upload_offset.isascii() or not upload_offset.isdigit():
            raise ApiError(400, "upload_offset", _("Thiếu hoặc sai tiêu đề Upload-Offset."))
        data = await read_body(request)
        if upload_checksum is not None:
            _verify_checksum(upload_checksum, data)
        new_offset, expires = await run_in_threadpool(
            apply_chunk, central, dev, upload_id, int(upload_offset), data)
        return Response(status_code=204, headers={
            "Upload-Offset": str(new_offset), "Tus-Resumable": TUS_VERSION,
            "Upload-Expires": http_date(expires)})
