"""Results (kết quả) of a dossier on the central server (issue 24).

Two ways in: the province attaches the document it issued (``kiosk central result CODE
--file F ...``: a PDF, usually signed), or a counter scanned the paper result at hand-over and
sends it like a scan (the file by tus first, then ``PUT /v1/dossiers/{id}/results/{rid}``).
Either way the file is a blob like any scan, the unit of the dossier owns it (so its counters
can download it), and the change feed carries a ``result`` event with the result's facts, so
every counter of the unit learns of it. The national export lists them in
``DanhSachGiayToKetQua``.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import date
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, Response
from pydantic import BaseModel, ConfigDict, Field

from central import report_facts
from central.audit import record_operation
from central.blobstore import BlobStore
from central.common import ApiError, Device, idempotent_reply
from central.db import Database, Tx
from central.models import SHA256_PATTERN, error_responses
from central.money import idempotent
from central.uploads import owned, record_owner
from kiosk import clock
from kiosk.i18n import _
from kiosk.result_code import CODE_RE, DEFAULT_PATTERN, KIND_RE, looks_like_pdf, make_code

#: The largest result file the server takes (a signed decision of a few pages is < 5 MiB).
MAX_RESULT_BYTES = 64 << 20

_FACTS = ("id", "kind", "number", "issued", "valid_until", "issuer", "code", "sha256", "size",
          "origin")


class ResultIn(BaseModel):
    """A result a counter scanned at hand-over (its file already uploaded by tus)."""

    model_config = ConfigDict(extra="forbid")
    dossier_code: str = Field(min_length=1, max_length=40)
    kind: str = Field(pattern=KIND_RE.pattern)
    number: str = Field(default="", max_length=100)
    issued: date | None = None
    valid_until: date | None = None
    issuer: str = Field(default="", max_length=300)
    code: str = Field(pattern=CODE_RE.pattern)
    sha256: str = Field(pattern=SHA256_PATTERN)
    size: int = Field(ge=1, le=MAX_RESULT_BYTES)


Key = Annotated[str, Header(min_length=1, max_length=100)]


def _now() -> str:
    return clock.iso(clock.now())


def _insert(tx: Tx, row: dict[str, Any], status: int, version: int, op_key: str | None) -> None:
    tx.execute(f"INSERT INTO dossier_results ({', '.join(row)}) VALUES "
               f"({', '.join('?' for _c in row)})", tuple(row.values()))
    report_facts.refresh(tx, row["dossier_id"])  # its result kind counts in the report
    facts = {k: row[k] for k in _FACTS}
    seq = tx.insert_returning_seq(
        "INSERT INTO changes (dossier_id, unit_code, kind, status, server_version,"
        " origin_device, note, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (row["dossier_id"], row["unit_code"], "result", status, version, row["device_id"],
         None, row["created_at"]))
    tx.execute("INSERT INTO change_details (seq, details) VALUES (?, ?)",
               (seq, json.dumps({"result": facts}, ensure_ascii=False)))
    if op_key:
        record_operation(tx, seq, op_key)


def _next_code(tx: Tx, dossier: dict[str, Any], kind: str) -> str:
    body = json.loads(dossier["body"])
    owner = (body.get("applicant") or {}).get("id_number") or ""
    taken = tx.one("SELECT count(*) AS n FROM dossier_results WHERE dossier_id = ? AND kind = ?",
                   (dossier["id"], kind))
    return make_code(DEFAULT_PATTERN, id_number=owner, procedure=str(body.get("procedure_code")),
                     kind=kind, seq=int(taken["n"] if taken else 0) + 1,
                     unit=dossier["unit_code"])


def attach(db: Database, blobs: BlobStore, code: str, data: bytes, *, kind: str, number: str,
           issued: date, valid_until: date | None = None, issuer: str = "",
           result_code: str | None = None) -> dict[str, Any]:
    """The province's result for dossier ``code``: stored, owned by the dossier's unit, and
    announced on the feed. Every check runs before anything is written."""
    if not data:
        raise ApiError(422, "empty_file", _("Tệp kết quả rỗng."))
    if len(data) > MAX_RESULT_BYTES:
        raise ApiError(413, "too_large", _("Tệp kết quả {mib} MiB vượt giới hạn {limit} MiB.",
                                           mib=len(data) >> 20, limit=MAX_RESULT_BYTES >> 20))
    if not looks_like_pdf(data):
        raise ApiError(422, "not_pdf", _("Tệp kết quả không phải PDF."))
    if not KIND_RE.match(kind):
        raise ApiError(422, "invalid_kind", _("Loại kết quả «{kind}» không hợp lệ.",
                                              kind=kind[:80]))
    if valid_until is not None and valid_until < issued:
        raise ApiError(422, "invalid_dates", _("Ngày hết hiệu lực trước ngày ban hành."))
    if result_code is not None and not CODE_RE.match(result_code):
        raise ApiError(422, "invalid_code", _("Mã kết quả số hoá «{code}» không hợp lệ.",
                                              code=result_code[:80]))
    with db.transaction(write=False) as tx:
        if tx.one("SELECT id FROM dossiers WHERE code = ?", (code,)) is None:
            raise ApiError(404, "dossier_not_found", _("Không tìm thấy hồ sơ {code}.", code=code))
    sha = hashlib.sha256(data).hexdigest()
    if not blobs.has(sha):
        upload_id = f"result-{uuid.uuid4()}"
        blobs.write_chunk(upload_id, 0, data)
        if not blobs.finish(upload_id, sha, len(data)):
            raise ApiError(500, "blob_write_failed", _("Không ghi được tệp kết quả."))
    with db.transaction() as tx:
        dossier = tx.one("SELECT * FROM dossiers WHERE code = ?" + tx.for_update(), (code,))
        if dossier is None:
            raise ApiError(404, "dossier_not_found", _("Không tìm thấy hồ sơ {code}.", code=code))
        if tx.one("SELECT sha256 FROM blobs WHERE sha256 = ?", (sha,)) is None:
            tx.execute("INSERT INTO blobs (sha256, size, created_at) VALUES (?, ?, ?)",
                       (sha, len(data), _now()))
        record_owner(tx, dossier["unit_code"], sha, "result")
        row = {"id": str(uuid.uuid4()), "dossier_id": dossier["id"],
               "unit_code": dossier["unit_code"], "kind": kind, "number": number,
               "issued": issued.isoformat(),
               "valid_until": valid_until.isoformat() if valid_until else None,
               "issuer": issuer, "code": result_code or _next_code(tx, dossier, kind),
               "sha256": sha, "size": len(data), "origin": "province", "device_id": None,
               "created_at": _now()}
        _insert(tx, row, dossier["status"], dossier["server_version"], None)
    return {k: row[k] for k in _FACTS} | {"dossier": code}


def put_counter_result(db: Database, dev: Device, dossier_id: str, result_id: str,
                       op_key: str, body: ResultIn) -> tuple[int, dict[str, Any], bool]:
    canonical = json.dumps(body.model_dump(mode="json"), sort_keys=True)
    request_sha = hashlib.sha256(f"result\n{dossier_id}\n{result_id}\n{canonical}".encode()
                                 ).hexdigest()

    def write(tx: Tx) -> tuple[int, dict[str, Any]]:
        dossier = tx.one("SELECT * FROM dossiers WHERE id = ?", (dossier_id,))
        if dossier is None:
            # The dossier's own upsert is queued first on the same counter: retry after it.
            raise ApiError(409, "conflict", _("Máy chủ chưa có hồ sơ {code}.",
                                              code=body.dossier_code))
        if dossier["unit_code"] != dev.unit_code:
            raise ApiError(403, "wrong_unit", _("Hồ sơ {code} không thuộc đơn vị của thiết bị.",
                                                code=body.dossier_code))
        if not owned(tx, dev.unit_code, [body.sha256]):
            raise ApiError(409, "missing_blobs", _("Máy chủ chưa có tệp kết quả."),
                           missing=[body.sha256])
        if tx.one("SELECT id FROM dossier_results WHERE id = ?", (result_id,)) is not None:
            return 200, {"id": result_id, "stored": True, "code": body.code}
        row = {"id": result_id, "dossier_id": dossier_id, "unit_code": dev.unit_code,
               "kind": body.kind, "number": body.number,
               "issued": body.issued.isoformat() if body.issued else None,
               "valid_until": body.valid_until.isoformat() if body.valid_until else None,
               "issuer": body.issuer, "code": body.code, "sha256": body.sha256,
               "size": body.size, "origin": "counter", "device_id": dev.id,
               "created_at": _now()}
        _insert(tx, row, dossier["status"], dossier["server_version"], op_key)
        return 201, {"id": result_id, "stored": True, "code": body.code}

    return idempotent(db, dev, op_key, request_sha, write)


def for_dossier(tx: Tx, dossier_id: str) -> list[dict[str, Any]]:
    return tx.all("SELECT id, kind, number, issued, valid_until, issuer, code, sha256, size,"
                  " origin, created_at FROM dossier_results WHERE dossier_id = ?"
                  " ORDER BY created_at, id", (dossier_id,))


def portal_results(db: Database, dossier_id: str, blob_url: str) -> list[dict[str, Any]]:
    """``DanhSachGiayToKetQua`` in the national portal's names (DOMAIN.md §6)."""
    from central.portal import results_in

    with db.transaction(write=False) as tx:
        return results_in(tx, dossier_id, blob_url)


def install(app: FastAPI, db: Database, device_dep: Any) -> None:
    auth = Depends(device_dep)

    @app.put("/v1/dossiers/{dossier_id}/results/{result_id}", status_code=201, tags=["sync"],
             responses={200: {"description": "already stored"},
                        **error_responses(400, 401, 403, 409, 422)})
    def put_result(dossier_id: uuid.UUID, result_id: uuid.UUID, body: ResultIn,
                   response: Response, idempotency_key: Key,
                   dev: Device = auth) -> dict[str, Any]:
        """A result the counter scanned at hand-over; its file was uploaded first."""
        return idempotent_reply(response, put_counter_result(
            db, dev, str(dossier_id), str(result_id), idempotency_key, body))

    @app.get("/v1/dossiers/{dossier_id}/results", tags=["sync"],
             responses=error_responses(401, 404, 422))
    def list_results(dossier_id: uuid.UUID, dev: Device = auth) -> list[dict[str, Any]]:
        """The dossier's results (the device's unit only)."""
        with db.transaction(write=False) as tx:
            row = tx.one("SELECT unit_code FROM dossiers WHERE id = ?", (str(dossier_id),))
            if row is None or (row["unit_code"] != dev.unit_code and dev.role != "admin"):
                raise ApiError(404, "dossier_not_found", _("Không tìm thấy hồ sơ."))
            return for_dossier(tx, str(dossier_id))
