"""The HTTP face of the central server (FastAPI). See SYNC.md for the protocol."""

import os
import sqlite3
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from email.utils import formatdate
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, Query, Request, Response
from fastapi import Path as PathParam
from fastapi.concurrency import run_in_threadpool
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match, Route

from central import __version__, audit, openapi, possession, reports, service, tus, uploads
from central.blobstore import BlobStore, BlobStoreFull
from central.common import ApiError, Device, idempotent_reply
from central.db import Database
from central.gate import DEVICE_KEY, RequestGate, too_large_body
from central.limits import ServerLimits
from central.models import (
    CODE_PATTERN,
    FEATURES,
    MAX_SEQ,
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
    error_responses,
)
from central.signatures import SignatureChecker, extends
from kiosk import clock
from kiosk.errors import KioskError
from kiosk.i18n import _
from kiosk.sync.possession import CHALLENGE_HEADER

TUS_VERSION = tus.TUS_VERSION
#: Seconds a client should wait after a 503/507/429 before it tries again.
RETRY_AFTER_SECONDS = 5

_bearer = HTTPBearer(auto_error=False)


class DateHeaderMiddleware:
    """``Date`` on every response, ``Retry-After`` on 429/503/507 (SYNC.md server rule 6),
    ``Tus-Resumable`` on every answer but OPTIONS (tus 1.0), errors included."""

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
                if scope.get("method") != "OPTIONS" and not any(
                    k.lower() == b"tus-resumable" for k, _v in headers
                ):
                    headers.append((b"tus-resumable", TUS_VERSION.encode()))
                if message["status"] in (429, 503, 507) and not any(
                    k.lower() == b"retry-after" for k, _v in headers
                ):
                    headers.append((b"retry-after", str(RETRY_AFTER_SECONDS).encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_date)


def _portal_pusher(db: Database, portal: Any) -> Any:
    """The national portal's pusher as a thread of this process, when configured."""
    from central.portal_push import Pusher
    from central.portal_settings import PortalSettings

    settings = portal if portal is not None else PortalSettings.from_env()
    if not (settings.configured and settings.enabled):
        return None
    return Pusher(db, settings).start()


def create_app(db: Database, blobs: BlobStore, *, limits: ServerLimits | None = None,
               middleware: list[Any] | None = None,
               trust_file: Path | str | None = None,
               ereceipt: Any = None, portal: Any = None) -> FastAPI:
    """``portal``: the national portal connection (:class:`central.portal_settings.
    PortalSettings`); by default from the environment."""
    limits = limits or ServerLimits()
    uploads_endpoint = tus.TusUploads(db, blobs, limits)
    # Trust roots for the signatures on uploaded files (issue 14).
    trust = trust_file or os.environ.get("KIOSK_CENTRAL_TRUST") or None
    checker = SignatureChecker(Path(trust) if trust else None)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # Housekeeping at start: partial uploads past Upload-Expires, idempotency keys past
        # their (long) retention.
        for upload_id in await run_in_threadpool(uploads.expired_uploads, db):
            blobs.discard(upload_id)
        # Partial files no upload names (a creation POST cut by a crash), old enough that no
        # other server on the same blob directory is still writing them.
        stale = await run_in_threadpool(blobs.partials_older_than, 86400)
        for upload_id in await run_in_threadpool(uploads.unknown_uploads, db, stale):
            blobs.discard(upload_id)
        await run_in_threadpool(service.prune_idempotency, db)
        pusher = _portal_pusher(db, portal)
        try:
            yield
        finally:
            if pusher is not None:
                await run_in_threadpool(pusher.stop)

    app = FastAPI(
        title="kiosk central one-stop server",
        version=__version__,
        description="The server side of the counter sync protocol (SYNC.md).",
        lifespan=lifespan,
    )
    app.state.limits = limits

    @app.exception_handler(ApiError)
    async def _api_error(_req: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(exc.body(), status_code=exc.status,
                            headers={"Tus-Resumable": TUS_VERSION, **exc.headers})

    @app.exception_handler(StarletteHTTPException)
    async def _http(req: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 405:
            # Starlette names only the methods of the first route that matched the path;
            # Allow must list every method of the path (RFC 9110).
            return JSONResponse({"error": "method_not_allowed",
                                 "message": _("Phương thức không được hỗ trợ ở đường dẫn này.")},
                                status_code=405, headers={"Allow": _allowed(app, req)})
        if exc.status_code == 413:
            # A body that streamed past its cap (central/gate.py).
            return JSONResponse(too_large_body(getattr(exc, "cap", limits.max_json_body)),
                                status_code=413)
        if exc.status_code == 400:
            # Starlette/FastAPI's own "error parsing the body" (bytes that are not even text).
            return JSONResponse({"error": "invalid_json",
                                 "message": _("Nội dung yêu cầu không phải JSON hợp lệ.")},
                                status_code=400)
        return await http_exception_handler(req, exc)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_req: Request, exc: RequestValidationError) -> JSONResponse:
        if any(err.get("type") == "json_invalid" for err in exc.errors()):
            # Not JSON at all is malformed syntax (400); JSON that does not fit is 422.
            return JSONResponse({"error": "invalid_json",
                                 "message": _("Nội dung yêu cầu không phải JSON hợp lệ.")},
                                status_code=400)
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

    # async: a request the gate authenticated costs no hand-off to a worker thread here
    # (each is about a tenth of a small request's server time, docs/SCALING.md).
    async def device(request: Request,
                     cred: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
                     kiosk_machine: Annotated[str | None, Header(
                         include_in_schema=False)] = None) -> Device:  # documented by openapi.py
        known = request.scope.get("state", {}).get(DEVICE_KEY)
        if isinstance(known, Device):
            return known  # authenticated by the gate before the body was read
        if cred is None:
            raise ApiError(401, "unauthorized",
                           _("Thiết bị chưa đăng ký hoặc mã truy cập không đúng."),
                           headers={"WWW-Authenticate": "Bearer"})
        return await run_in_threadpool(service.authenticate, db, cred.credentials,
                                       kiosk_machine)

    async def admin(dev: Annotated[Device, Depends(device)]) -> Device:
        if dev.role != "admin":
            raise ApiError(403, "forbidden", _("Chỉ quản trị viên được làm việc này."))
        return dev

    DeviceDep = Annotated[Device, Depends(device)]
    AdminDep = Annotated[Device, Depends(admin)]
    Sha = Annotated[str, PathParam(pattern=SHA256_PATTERN)]

    @app.get("/v1/health", response_model=Health, tags=["sync"])
    def health() -> Health:
        """Connectivity probe; ``time`` lets a counter measure its clock skew."""
        return Health(status="ok", time=clock.iso(clock.now()), version=__version__,
                      features=list(FEATURES))

    # --- blobs and tus uploads ----------------------------------------------------------

    # A blob counts for a unit only once the unit proved it holds it (central/uploads.py):
    # to any other unit these answer exactly as for a blob nobody uploaded.
    @app.head("/v1/blobs/{sha256}", tags=["blobs"], response_class=Response, responses={
        200: {"description": "This unit holds the blob",
              "headers": {"Upload-Length": {"schema": {"type": "integer", "minimum": 0}}}},
        404: {"model": ApiErrorBody, "headers": {CHALLENGE_HEADER: {
            "description": "A possession challenge (send Blob-Proof on the tus creation)",
            "schema": {"type": "string"}}}},
        **error_responses(401, 422)})
    def head_blob(sha256: Sha, dev: DeviceDep) -> Response:
        size = uploads.owned_size(db, dev, sha256)
        if size is None or not blobs.has(sha256):
            raise ApiError(404, "blob_not_found", _("Máy chủ chưa có tệp này."), headers={
                CHALLENGE_HEADER: possession.challenge(db, dev.unit_code, sha256)})
        return Response(headers={"Upload-Length": str(size)})

    @app.get("/v1/blobs/{sha256}", tags=["blobs"], response_class=FileResponse,
             responses={200: {"content": {"application/octet-stream": {}}},
                        **error_responses(401, 404, 422)})
    def get_blob(sha256: Sha, dev: DeviceDep) -> FileResponse:
        if uploads.owned_size(db, dev, sha256) is None or not blobs.has(sha256):
            raise ApiError(404, "blob_not_found", _("Máy chủ chưa có tệp này."))
        return FileResponse(blobs.blob_path(sha256), media_type="application/octet-stream")

    tus.add_routes(app, uploads_endpoint, device)

    # --- dossiers and the change feed ---------------------------------------------------

    @app.put("/v1/dossiers/{dossier_id}", response_model=DossierAck, tags=["sync"],
             responses={201: {"model": DossierAck},
                        **error_responses(400, 401, 403, 409, 422)})
    def put_dossier(
        dossier_id: uuid.UUID, body: DossierIn, dev: DeviceDep, response: Response,
        idempotency_key: Annotated[str, Header(min_length=1, max_length=100)],
    ) -> dict[str, Any]:
        """Create or update a dossier, exactly once per ``Idempotency-Key``."""
        pages = [(p.sha256, p.mime) for c in body.components for p in c.pages]
        with db.transaction(write=False) as tx:
            mine = uploads.owned(tx, dev.unit_code, {sha for sha, _mime in pages})
        # Only blobs the unit holds are looked at: checking another unit's file would take
        # time that tells it exists.
        verdicts = checker.results(db, blobs, [p for p in pages if p[0] in mine])
        return idempotent_reply(response, service.put_dossier(
            db, dev, str(dossier_id), idempotency_key, body, verdicts=verdicts,
            extends=lambda old, new: extends(blobs, old, new),
            require_trust=bool(checker.trust)))

    @app.get("/v1/dossiers/{dossier_id}", response_model=DossierState, tags=["sync"],
             responses=error_responses(401, 404, 422))
    def get_dossier(dossier_id: uuid.UUID, dev: DeviceDep) -> dict[str, Any]:
        row = service.find_dossier(db, dossier_id=str(dossier_id))
        if row is None or (row["unit_code"] != dev.unit_code and dev.role != "admin"):
            raise ApiError(404, "dossier_not_found", _("Không tìm thấy hồ sơ."))
        return reports.state_with_letters(db, row)

    @app.get("/v1/changes", response_model=ChangeFeed, tags=["sync"],
             responses=error_responses(401, 410, 422))
    def get_changes(
        dev: DeviceDep,
        since: Annotated[int, Query(ge=0, le=MAX_SEQ)] = 0,
        limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    ) -> dict[str, Any]:
        return service.changes(db, dev, since, limit)

    # --- admin ------------------------------------------------------------------------

    @app.post("/v1/admin/devices", response_model=DeviceOut, status_code=201, tags=["admin"],
              responses=error_responses(400, 401, 403, 422))
    def add_device(body: DeviceIn, _admin: AdminDep) -> dict[str, str]:
        return service.add_device(db, body.unit_code, body.name)

    @app.post("/v1/admin/dossiers/{code}/status", response_model=DossierState, tags=["admin"],
              responses=error_responses(400, 401, 403, 404, 422))
    def set_status(code: Annotated[str, PathParam(pattern=CODE_PATTERN)], body: StatusIn,
                   _admin: AdminDep) -> dict[str, Any]:
        return service.set_status(db, code, body.to, body.note, body.by)

    @app.get("/v1/admin/dossiers/{code}/export", tags=["admin"],
             responses={200: {"content": {"application/json": {"schema": {"type": "object"}}}},
                        **error_responses(401, 403, 404, 422)})
    def export(code: Annotated[str, PathParam(pattern=CODE_PATTERN)],
               _admin: AdminDep) -> dict[str, Any]:
        row = service.find_dossier(db, code=code)
        if row is None:
            raise ApiError(404, "dossier_not_found", _("Không tìm thấy hồ sơ {code}.", code=code))
        return service.portal_export(db, row)

    reports.register_routes(app, db, AdminDep)
    from central import fleet_routes  # publications and the counters' health (issue 26)

    fleet_routes.install(app, db, device, admin)
    from central import province  # the province's web page (issue 26)

    province.install(app, db)
    audit.register_routes(app, db, blobs, device)
    from central import citizen  # the citizen screen's queue and ratings (issue 16)

    citizen.install(app, db, device)
    from central import queue_ops  # recall, hold, no-show, transfer (issue 27)

    queue_ops.install(app, db, device)
    from central import booking_settings  # who publishes a unit's booking settings

    booking_settings.install(app, db, device, admin)  # before /v1/bookings/{code}
    from central import bookings  # booked times shared by the unit's counters (issue 27)

    bookings.install(app, db, device)
    from central import booking_page  # the citizens' booking page, /dat-lich/ (issue 27)

    booking_page.install(app, db)
    from central import money  # receipts and the certification register (issue 23)
    from central.ereceipt import provider_from_env

    money.install(app, db, device, ereceipt or provider_from_env())
    from central import results  # results from the province or scanned at hand-over (issue 24)

    results.install(app, db, device)
    from central import handover  # what was given at hand-over (issue 24)

    handover.install(app, db, device)
    from central import papers  # the province's store of a citizen's papers (issue 24)

    papers.install(app, db, device)
    from central import paper_facts  # a scanned document's confirmed dates (issue 24 §3)

    paper_facts.install(app, db, device)

    from central import incoming  # dossiers submitted online or by post (issue 25)

    incoming.install(app, db, blobs, device)

    openapi.install(app)
    # Innermost first: the gate authenticates and caps bodies before any route reads one.
    app.add_middleware(RequestGate, db=db, limits=limits)
    for mw in middleware or []:
        app.add_middleware(mw[0], **mw[1])
    # Added last, so it is the outermost: injected faults get a Date header too.
    app.add_middleware(DateHeaderMiddleware)
    return app


def _allowed(app: FastAPI, req: Request) -> str:
    methods: set[str] = set()
    for route in app.router.routes:
        match, _child = route.matches({**req.scope, "method": "__none__"})
        if match != Match.NONE and isinstance(route, APIRoute | Route):
            methods |= set(route.methods or ())
    if "/v1/uploads" == req.url.path:
        methods.add("OPTIONS")
    return ", ".join(sorted(methods))


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
