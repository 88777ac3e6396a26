"""The HTTP face of the central server (FastAPI). See SYNC.md for the protocol."""

import base64
import binascii
import hashlib
import sqlite3
import threading
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from email.utils import formatdate
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, Header, Query, Request, Response
from fastapi import Path as PathParam
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.requests import ClientDisconnect

from central import __version__, service
from central.blobstore import BlobStore, BlobStoreFull
from central.db import Database
from central.models import (
    SHA256_PATTERN,
    ApiErrorBody,
    ChangeFeed,
    DeviceIn,
    DeviceOut,
    DossierAck,
    DossierIn,
    DossierState,
    Health,
    StatusIn,
)
from central.portal import export_dossier
from central.service import ApiError, Device
from kiosk import clock
from kiosk.errors import KioskError
from kiosk.i18n import _

TUS_VERSION = "1.0.0"
DEFAULT_MAX_CHUNK = 8 * 1024 * 1024
#: Seconds a client should wait after a 503/507/429 before it tries again.
RETRY_AFTER_SECONDS = 5

_bearer = HTTPBearer(auto_error=False)


def _err(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {c: {"model": ApiErrorBody} for c in codes}


@dataclass
class Central:
    db: Database
    blobs: BlobStore
    max_chunk: int = DEFAULT_MAX_CHUNK
    _locks: dict[str, threading.Lock] = field(default_factory=dict)
    _locks_guard: threading.Lock = field(default_factory=threading.Lock)

    def upload_lock(self, upload_id: str) -> threading.Lock:
        # Two PATCHes of one upload (a retry racing a slow original) must not interleave.
        with self._locks_guard:
            return self._locks.setdefault(upload_id, threading.Lock())


class DateHeaderMiddleware:
    """``Date`` on every response, ``Retry-After`` on 429/503/507 (SYNC.md server rule 6)."""

    def __init__(self, app: Callable[..., Awaitable[None]]) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_date(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"date"]
                headers.append((b"date", formatdate(usegmt=True).encode()))
                if message["status"] in (429, 503, 507) and not any(
                    k.lower() == b"retry-after" for k, _v in headers
                ):
                    headers.append((b"retry-after", str(RETRY_AFTER_SECONDS).encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_date)


def create_app(db: Database, blobs: BlobStore, *, max_chunk: int = DEFAULT_MAX_CHUNK,
               middleware: list[Any] | None = None) -> FastAPI:
    central = Central(db, blobs, max_chunk)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # Housekeeping at start: partial uploads past Upload-Expires, idempotency keys past
        # their (long) retention.
        for upload_id in await run_in_threadpool(service.expired_uploads, db):
            blobs.discard(upload_id)
        await run_in_threadpool(service.prune_idempotency, db)
        yield

    app = FastAPI(
        title="kiosk central one-stop server",
        version=__version__,
        description="The server side of the counter sync protocol (SYNC.md).",
        lifespan=lifespan,
    )
    app.state.central = central

    @app.exception_handler(ApiError)
    async def _api_error(_req: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(exc.body(), status_code=exc.status,
                            headers={"Tus-Resumable": TUS_VERSION})

    @app.exception_handler(RequestValidationError)
    async def _invalid(_req: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse(
            {"error": "invalid_request", "message": _("Yêu cầu không hợp lệ."),
             "detail": jsonable_errors(exc)}, status_code=422)

    @app.exception_handler(KioskError)
    async def _kiosk_error(_req: Request, exc: KioskError) -> JSONResponse:
        # Domain checks (a dossier code with an impossible date...) reject the request.
        return JSONResponse({"error": exc.kind, "message": exc.message,
                             "hint": exc.hint or ""}, status_code=422)

    @app.exception_handler(BlobStoreFull)
    async def _full(_req: Request, _exc: BlobStoreFull) -> JSONResponse:
        return _disk_full()

    @app.exception_handler(sqlite3.OperationalError)
    async def _sqlite(_req: Request, exc: sqlite3.OperationalError) -> JSONResponse:
        if "full" in str(exc):
            return _disk_full()
        raise exc

    def device(cred: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> Device:
        found = service.authenticate(db, cred.credentials) if cred else None
        if found is None:
            raise ApiError(401, "unauthorized",
                           _("Thiết bị chưa đăng ký hoặc mã truy cập không đúng."))
        return found

    def admin(dev: Annotated[Device, Depends(device)]) -> Device:
        if dev.role != "admin":
            raise ApiError(403, "forbidden", _("Chỉ quản trị viên được làm việc này."))
        return dev

    DeviceDep = Annotated[Device, Depends(device)]
    AdminDep = Annotated[Device, Depends(admin)]
    Sha = Annotated[str, PathParam(pattern=SHA256_PATTERN)]

    @app.get("/v1/health", response_model=Health, tags=["sync"])
    def health() -> Health:
        """Connectivity probe; ``time`` lets a counter measure its clock skew."""
        return Health(status="ok", time=clock.iso(clock.now()), version=__version__)

    # --- blobs and tus uploads ----------------------------------------------------------

    @app.head("/v1/blobs/{sha256}", tags=["blobs"], responses=_err(401, 404, 422))
    def head_blob(sha256: Sha, dev: DeviceDep) -> Response:
        size = service.blob_known(db, sha256)
        if size is None or not blobs.has(sha256):
            raise ApiError(404, "blob_not_found", _("Máy chủ chưa có tệp này."))
        return Response(headers={"Upload-Length": str(size)})

    @app.get("/v1/blobs/{sha256}", tags=["blobs"], response_class=FileResponse,
             responses={200: {"content": {"application/octet-stream": {}}},
                        **_err(401, 404, 422)})
    def get_blob(sha256: Sha, dev: DeviceDep) -> FileResponse:
        with db.transaction(write=False) as tx:
            row = tx.one(
                "SELECT p.sha256 FROM dossier_pages p JOIN dossiers d ON d.id = p.dossier_id"
                " WHERE p.sha256 = ? AND d.unit_code = ?", (sha256, dev.unit_code))
        if (row is None and dev.role != "admin") or not blobs.has(sha256):
            raise ApiError(404, "blob_not_found", _("Máy chủ chưa có tệp này."))
        return FileResponse(blobs.blob_path(sha256), media_type="application/octet-stream")

    @app.options("/v1/uploads", status_code=204, tags=["blobs"])
    def tus_options() -> Response:
        return Response(status_code=204, headers={
            "Tus-Resumable": TUS_VERSION, "Tus-Version": TUS_VERSION,
            "Tus-Extension": "creation,checksum,expiration",
            "Tus-Checksum-Algorithm": "sha256", "Tus-Max-Chunk-Size": str(central.max_chunk),
        })

    @app.post("/v1/uploads", status_code=201, tags=["blobs"],
              responses=_err(400, 401, 412, 422))
    def create_upload(
        dev: DeviceDep,
        upload_length: Annotated[int, Header(ge=0, le=1 << 40)],
        upload_metadata: Annotated[str, Header(max_length=1000)],
        tus_resumable: Annotated[Literal["1.0.0"], Header()],
    ) -> Response:
        """tus creation. ``Upload-Metadata`` must carry ``sha256 <base64 of the hex>``;
        creation is idempotent per (device, sha256, length)."""
        _check_tus(tus_resumable)
        sha = _metadata_sha(upload_metadata)
        upload = service.create_upload(db, dev, sha, upload_length)
        return Response(status_code=201, headers={
            "Location": f"/v1/uploads/{upload['id']}", "Tus-Resumable": TUS_VERSION,
            "Upload-Offset": str(upload["upload_offset"]),
            "Upload-Expires": _http_date(upload["expires_at"]),
        })

    @app.head("/v1/uploads/{upload_id}", tags=["blobs"], responses=_err(401, 404, 410))
    def head_upload(upload_id: Annotated[str, PathParam(max_length=64)],
                    dev: DeviceDep) -> Response:
        upload = service.get_upload(db, dev, upload_id)
        return Response(headers={
            "Upload-Offset": str(upload["upload_offset"]),
            "Upload-Length": str(upload["length"]), "Tus-Resumable": TUS_VERSION,
            "Cache-Control": "no-store", "Upload-Expires": _http_date(upload["expires_at"]),
        })

    @app.patch(
        "/v1/uploads/{upload_id}", status_code=204, tags=["blobs"],
        responses=_err(400, 401, 404, 409, 410, 412, 413, 415, 422, 460, 507),
        openapi_extra={"requestBody": {"required": True, "content": {
            "application/offset+octet-stream": {"schema": {"type": "string",
                                                            "format": "binary"}}}}},
    )
    async def patch_upload(
        request: Request,
        upload_id: Annotated[str, PathParam(max_length=64)],
        dev: DeviceDep,
        upload_offset: Annotated[int, Header(ge=0)],
        tus_resumable: Annotated[Literal["1.0.0"], Header()],
        content_type: Annotated[str, Header()],
        upload_checksum: Annotated[str | None, Header()] = None,
    ) -> Response:
        _check_tus(tus_resumable)
        if content_type.split(";")[0].strip() != "application/offset+octet-stream":
            raise ApiError(415, "wrong_content_type",
                           _("Nội dung phải có kiểu application/offset+octet-stream."))
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
        if upload_checksum is not None:
            _verify_checksum(upload_checksum, bytes(data))
        new_offset = await run_in_threadpool(
            _apply_chunk, central, dev, upload_id, upload_offset, bytes(data))
        return Response(status_code=204, headers={
            "Upload-Offset": str(new_offset), "Tus-Resumable": TUS_VERSION})

    # --- dossiers and the change feed ---------------------------------------------------

    @app.put("/v1/dossiers/{dossier_id}", response_model=DossierAck, tags=["sync"],
             responses={201: {"model": DossierAck},
                        **_err(400, 401, 403, 409, 422)})
    def put_dossier(
        dossier_id: uuid.UUID, body: DossierIn, dev: DeviceDep, response: Response,
        idempotency_key: Annotated[str, Header(min_length=1, max_length=100)],
    ) -> dict[str, Any]:
        """Create or update a dossier, exactly once per ``Idempotency-Key``."""
        status, reply, replayed = service.put_dossier(
            db, dev, str(dossier_id), idempotency_key, body)
        response.status_code = status
        if replayed:
            response.headers["Idempotent-Replayed"] = "true"
        return reply

    @app.get("/v1/dossiers/{dossier_id}", response_model=DossierState, tags=["sync"],
             responses=_err(401, 404, 422))
    def get_dossier(dossier_id: uuid.UUID, dev: DeviceDep) -> dict[str, Any]:
        row = service.find_dossier(db, dossier_id=str(dossier_id))
        if row is None or (row["unit_code"] != dev.unit_code and dev.role != "admin"):
            raise ApiError(404, "dossier_not_found", _("Không tìm thấy hồ sơ."))
        return service.dossier_state(row)

    @app.get("/v1/changes", response_model=ChangeFeed, tags=["sync"],
             responses=_err(401, 410, 422))
    def get_changes(
        dev: DeviceDep,
        since: Annotated[int, Query(ge=0, le=1 << 62)] = 0,
        limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    ) -> dict[str, Any]:
        return service.changes(db, dev, since, limit)

    # --- admin ------------------------------------------------------------------------

    @app.post("/v1/admin/devices", response_model=DeviceOut, status_code=201, tags=["admin"],
              responses=_err(401, 403, 422))
    def add_device(body: DeviceIn, _admin: AdminDep) -> dict[str, str]:
        return service.add_device(db, body.unit_code, body.name)

    @app.post("/v1/admin/dossiers/{code}/status", response_model=DossierState, tags=["admin"],
              responses=_err(401, 403, 404, 422))
    def set_status(code: Annotated[str, PathParam(max_length=60)], body: StatusIn,
                   _admin: AdminDep) -> dict[str, Any]:
        return service.set_status(db, code, body.to, body.note, body.by)

    @app.get("/v1/admin/dossiers/{code}/export", tags=["admin"],
             responses={200: {"content": {"application/json": {"schema": {"type": "object"}}}},
                        **_err(401, 403, 404, 422)})
    def export(code: Annotated[str, PathParam(max_length=60)],
               _admin: AdminDep) -> dict[str, Any]:
        row = service.find_dossier(db, code=code)
        if row is None:
            raise ApiError(404, "dossier_not_found", _("Không tìm thấy hồ sơ {code}.", code=code))
        return export_dossier(service.dossier_state(row))

    from central import citizen  # the citizen screen's queue and ratings (issue 16)

    citizen.install(app, db, device)

    for mw in middleware or []:
        app.add_middleware(mw[0], **mw[1])
    # Added last, so it is the outermost: injected faults get a Date header too.
    app.add_middleware(DateHeaderMiddleware)
    return app


def _apply_chunk(central: Central, dev: Device, upload_id: str, offset: int, data: bytes) -> int:
    with central.upload_lock(upload_id):
        upload = service.get_upload(central.db, dev, upload_id)
        if upload["completed"]:
            if offset == upload["length"] and not data:
                return int(upload["length"])
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
        central.blobs.write_chunk(upload_id, offset, data)
        if not service.advance_upload(central.db, upload_id, offset, end):
            raise ApiError(409, "offset_mismatch", _("Vị trí tải lên đã thay đổi."))
        if end == upload["length"]:
            if not central.blobs.finish(upload_id, upload["sha256"], upload["length"]):
                service.drop_upload(central.db, upload_id)
                raise ApiError(460, "blob_checksum_mismatch",
                               _("Tệp tải lên không khớp mã băm sha256; hãy tải lại."))
            service.complete_upload(central.db, upload)
        return end


def _check_tus(value: str) -> None:
    if value != TUS_VERSION:
        raise ApiError(412, "tus_version", _("Chỉ hỗ trợ tus {v}.", v=TUS_VERSION))


def _metadata_sha(metadata: str) -> str:
    for pair in metadata.split(","):
        parts = pair.strip().split(" ")
        if parts[0] == "sha256" and len(parts) == 2:
            try:
                value = base64.b64decode(parts[1], validate=True).decode("ascii")
            except (binascii.Error, UnicodeDecodeError):
                break
            if len(value) == 64 and all(c in "0123456789abcdef" for c in value):
                return value
    raise ApiError(400, "missing_sha256",
                   _("Upload-Metadata phải có sha256 của tệp (hex, mã hoá base64)."))


def _verify_checksum(header: str, data: bytes) -> None:
    algo, _sep, value = header.partition(" ")
    if algo != "sha256":
        raise ApiError(400, "checksum_algorithm", _("Chỉ hỗ trợ kiểm tra sha256."))
    try:
        expected = base64.b64decode(value, validate=True)
    except binascii.Error:
        raise ApiError(400, "checksum_format", _("Upload-Checksum không hợp lệ.")) from None
    if hashlib.sha256(data).digest() != expected:
        raise ApiError(460, "checksum_mismatch",
                       _("Phần dữ liệu bị hỏng trên đường truyền; hãy gửi lại."))


def _http_date(iso_text: str) -> str:
    from datetime import datetime

    return formatdate(datetime.fromisoformat(iso_text).timestamp(), usegmt=True)


def _disk_full() -> JSONResponse:
    return JSONResponse({"error": "server_disk_full",
                         "message": _("Ổ đĩa máy chủ đã đầy; hãy thử lại sau.")},
                        status_code=507)


def jsonable_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    out = []
    for err in exc.errors():
        out.append({"loc": [str(x) for x in err.get("loc", ())], "msg": str(err.get("msg")),
                    "type": str(err.get("type"))})
    return out


def app_from_paths(db_url: str, blob_dir: Path, **kw: Any) -> FastAPI:
    return create_app(Database(db_url), BlobStore(blob_dir), **kw)
