"""Dossiers submitted online (channel 2) or by post (channel 3), waiting for a counter.

The portal (or the post office's intake) hands a dossier to the central server for a unit;
the change feed tells that unit's counters (kind ``incoming``), and one clerk opens it,
checks the papers and decides: accept it (the counter then gives it a code and the legal due
time from that moment, and pushes it like any dossier), or refuse it. The server is the
only place that can say which counter decided first: :func:`decide` takes the row's lock and
answers every later, different decision with 409 ``already_decided`` (a repeat of the same
device's decision is answered as the first time, so a counter retrying after a lost answer
is not told it lost to itself). Each decision is a feed event too (``incoming_decided``), so
the other counters drop the dossier from their lists.
"""


import base64
import binascii
import hashlib
import json
import os
import re
import uuid
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI
from pydantic import BaseModel, ConfigDict, Field

from central.blobstore import BlobStore
from central.common import ApiError, Device
from central.db import Database, Tx
from central.models import JsonInt, error_responses
from central.uploads import record_owner
from kiosk import clock
from kiosk.i18n import N_, _
from kiosk.limits import PERSON_MAX, REASON_MAX

#: One attached file at most (a scanned paper or a photo); the portal's own limit is lower.
MAX_FILE_BYTES = 20 << 20
#: CCCD: 3 digits of the province of birth (001–096), 1 of century and sex, 2 of the year of
#: birth, 6 of sequence.
CCCD_RE = re.compile(r"^0(0[1-9]|[1-8][0-9]|9[0-6])[0-9]{9}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE_RE = re.compile(r"^\+?[0-9 .]{8,15}$")
#: The kinds of files a portal sends: PDF, JPEG, PNG.
_MAGIC = ((b"%PDF-", "application/pdf"), (b"\xff\xd8\xff", "image/jpeg"),
          (b"\x89PNG\r\n\x1a\n", "image/png"))
CHANNELS = {2: "online", 3: "postal"}


class ApplicantSubmitted(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=PERSON_MAX)
    id_number: str = Field(max_length=20)
    phone: str = Field(default="", max_length=30)
    email: str = Field(default="", max_length=254)
    address: str = Field(default="", max_length=500)


class FileSubmitted(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(min_length=1, max_length=100, description="MaThanhPhanHoSo")
    filename: str = Field(default="", max_length=255)
    content_base64: str = Field(description="the file's bytes, base64")


class IncomingIn(BaseModel):
    """What the portal stand-in sends: a dossier for a unit, with its files."""

    model_config = ConfigDict(extra="forbid")
    unit: str = Field(min_length=1, max_length=60)
    channel: JsonInt = Field(ge=2, le=3, description="KenhThucHien: 2 online, 3 postal")
    procedure: str = Field(min_length=1, max_length=50, description="MaTTHC")
    applicant: ApplicantSubmitted
    components: list[FileSubmitted] = Field(max_length=200)


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    clerk: str = Field(min_length=1, max_length=PERSON_MAX)
    reason: str = Field(default="", max_length=REASON_MAX)


class RefusalIn(DecisionIn):
    """A refusal states its reason (printed on Mẫu 03)."""

    reason: str = Field(min_length=1, max_length=REASON_MAX, pattern=r"\S")


class IncomingOut(BaseModel):
    id: str
    unit: str
    channel: int
    procedure: str
    procedure_name: str = ""
    state: str
    submitted_at: str
    applicant: dict[str, Any]
    components: list[dict[str, Any]]
    decided_at: str | None = None
    decided_by_me: bool = False
    reason: str | None = None


def _now() -> str:
    return clock.iso(clock.now())


def _invalid(code: str, message: str, **extra: Any) -> ApiError:
    return ApiError(422, code, message, **extra)


def _catalog() -> Any:
    """The procedures the server knows: ``KIOSK_CENTRAL_CATALOG`` or the bundled sample."""
    from kiosk.catalog import SAMPLE_CATALOG, read_catalog

    chosen = os.environ.get("KIOSK_CENTRAL_CATALOG")
    return read_catalog(Path(chosen) if chosen else SAMPLE_CATALOG)


def _mime(data: bytes) -> str | None:
    return next((mime for magic, mime in _MAGIC if data.startswith(magic)), None)


def check_submission(db: Database, body: IncomingIn) -> tuple[Any, list[tuple[str, bytes, str]]]:
    """Every refusal a portal must hear before anything is stored; the procedure and the
    decoded files ``(code, bytes, mime)``."""
    with db.transaction(write=False) as tx:
        unit = tx.one("SELECT unit_code FROM devices WHERE unit_code = ? AND role = 'device'"
                      " AND revoked = 0", (body.unit,))
    if unit is None:
        raise _invalid("unknown_unit", _("Không có đơn vị {unit} trên máy chủ.", unit=body.unit))
    from kiosk.errors import KioskError

    try:
        proc = _catalog().get(body.procedure)
    except KioskError:
        raise _invalid("unknown_procedure", _("Không có thủ tục mã {code} trong danh mục.",
                                              code=body.procedure)) from None
    a = body.applicant
    if not a.name.strip():
        raise _invalid("invalid_applicant", _("Thiếu họ tên người nộp hồ sơ."))
    if not CCCD_RE.match(a.id_number.strip()):
        raise _invalid("invalid_id_number",
                       _("Số CCCD «{value}» không hợp lệ: cần đúng 12 chữ số, bắt đầu bằng "
                         "mã tỉnh nơi sinh.", value=a.id_number[:20]))
    if a.email and not EMAIL_RE.match(a.email.strip()):
        raise _invalid("invalid_email", _("Địa chỉ thư điện tử «{value}» không hợp lệ.",
                                          value=a.email[:60]))
    if a.phone and not PHONE_RE.match(a.phone.strip()):
        raise _invalid("invalid_phone", _("Số điện thoại «{value}» không hợp lệ.",
                                          value=a.phone[:30]))
    known = {c.code: c for c in proc.components}
    files: list[tuple[str, bytes, str]] = []
    for comp in body.components:
        if comp.code not in known:
            raise _invalid("unknown_component",
                           _("Thủ tục {proc} không có thành phần {code}.", proc=proc.code,
                             code=comp.code))
        try:
            data = base64.b64decode(comp.content_base64, validate=True)
        except (binascii.Error, ValueError):
            raise _invalid("invalid_file", _("Tệp của thành phần {code} không đọc được "
                                             "(base64 hỏng).", code=comp.code)) from None
        if not data:
            raise _invalid("missing_file", _("Thành phần {code} không có tệp đính kèm.",
                                             code=comp.code))
        if len(data) > MAX_FILE_BYTES:
            raise _invalid("file_too_large", _("Tệp của thành phần {code} lớn quá {mb} MB.",
                                               code=comp.code, mb=MAX_FILE_BYTES >> 20))
        mime = _mime(data)
        if mime is None:
            raise _invalid("invalid_file", _("Tệp của thành phần {code} không phải PDF, JPEG "
                                             "hay PNG.", code=comp.code))
        files.append((comp.code, data, mime))
    given = {code for code, _d, _m in files}
    # Papers only shown at the counter (xuất trình) cannot be sent; the rest are required.
    missing = [c.code for c in proc.components
               if c.mandatory and c.form != "present" and c.code not in given]
    if missing:
        raise _invalid("missing_attachment",
                       _("Hồ sơ thiếu thành phần bắt buộc: {codes}.", codes=", ".join(missing)),
                       missing=missing)
    return proc, files


def _put_blob(tx: Tx, blobs: BlobStore, unit: str, data: bytes) -> str:
    sha = hashlib.sha256(data).hexdigest()
    blobs.put_bytes(sha, data)
    if tx.one("SELECT sha256 FROM blobs WHERE sha256 = ?", (sha,)) is None:
        tx.execute("INSERT INTO blobs (sha256, size, created_at) VALUES (?, ?, ?)",
                   (sha, len(data), _now()))
    # The unit's counters may fetch it (and later reference it from the accepted dossier).
    record_owner(tx, unit, sha, "submitted")
    return sha


def submit(db: Database, blobs: BlobStore, body: IncomingIn) -> dict[str, Any]:
    """Store a submitted dossier and tell the unit's counters; ``{"id", "unit", "channel"}``."""
    proc, files = check_submission(db, body)
    incoming_id = str(uuid.uuid4())
    now = _now()
    names = {c.code: c.name for c in proc.components}
    filenames = {c.code: c.filename for c in body.components}
    with db.transaction() as tx:
        components = []
        for code, data, mime in files:
            sha = _put_blob(tx, blobs, body.unit, data)
            components.append({"code": code, "name": names[code], "sha256": sha,
                               "size": len(data), "mime": mime,
                               "filename": filenames.get(code) or ""})
        stored = {"procedure": proc.code, "procedure_name": proc.name,
                  "applicant": body.applicant.model_dump(), "components": components}
        tx.execute(
            "INSERT INTO incoming_dossiers (id, unit_code, channel, procedure_code, body,"
            " submitted_at, state) VALUES (?, ?, ?, ?, ?, ?, 'waiting')",
            (incoming_id, body.unit, body.channel, proc.code,
             json.dumps(stored, ensure_ascii=False), now))
        tx.insert_returning_seq(
            "INSERT INTO changes (dossier_id, unit_code, kind, status, server_version,"
            " origin_device, note, at) VALUES (?, ?, 'incoming', 1, 1, NULL, NULL, ?)",
            (incoming_id, body.unit, now))
    return {"id": incoming_id, "unit": body.unit, "channel": body.channel}


def _out(row: dict[str, Any], device: Device) -> dict[str, Any]:
    body = json.loads(row["body"])
    return {"id": row["id"], "unit": row["unit_code"], "channel": row["channel"],
            "procedure": row["procedure_code"], "procedure_name": body.get("procedure_name", ""),
            "state": row["state"], "submitted_at": row["submitted_at"],
            "applicant": body["applicant"], "components": body["components"],
            "decided_at": row["decided_at"], "decided_by_me": row["decided_by"] == device.id,
            "reason": row["reason"]}


def get(db: Database, device: Device, incoming_id: str) -> dict[str, Any]:
    with db.transaction(write=False) as tx:
        row = tx.one("SELECT * FROM incoming_dossiers WHERE id = ?", (incoming_id,))
    if row is None or row["unit_code"] != device.unit_code:
        raise ApiError(404, "incoming_not_found", _("Không tìm thấy hồ sơ nộp trực tuyến này."))
    return _out(row, device)


def waiting(db: Database, device: Device) -> list[dict[str, Any]]:
    with db.transaction(write=False) as tx:
        rows = tx.all("SELECT * FROM incoming_dossiers WHERE unit_code = ? AND state = 'waiting'"
                      " ORDER BY submitted_at, id", (device.unit_code,))
    return [_out(r, device) for r in rows]


#: A decision → the state it leaves and the status its feed event carries.
DECISIONS = {"accept": ("accepted", 2), "refuse": ("refused", 3),
             "supplement": ("supplement", 5)}


def decide(db: Database, device: Device, incoming_id: str, decision: str,
           body: DecisionIn) -> dict[str, Any]:
    """The first decision wins; a repeat of it by the same device is answered again."""
    state, status = DECISIONS[decision]
    if decision != "accept" and not body.reason.strip():
        raise _invalid("reason_required", _("Từ chối hồ sơ cần ghi rõ lý do."))
    with db.transaction() as tx:
        tx.lock(f"incoming:{incoming_id}")
        row = tx.one("SELECT * FROM incoming_dossiers WHERE id = ?" + tx.for_update(),
                     (incoming_id,))
        if row is None or row["unit_code"] != device.unit_code:
            raise ApiError(404, "incoming_not_found",
                           _("Không tìm thấy hồ sơ nộp trực tuyến này."))
        if row["state"] != "waiting":
            if row["state"] == state and row["decided_by"] == device.id:
                return _out(row, device)
            raise ApiError(
                409, "already_decided",
                _("Hồ sơ này đã được xử lý ở quầy khác lúc {at} ({state}).",
                  at=clock.to_local(clock.parse_iso(row["decided_at"])).strftime("%H:%M %d/%m"),
                  state=_(_STATE_LABELS[row["state"]]) if row["state"] in _STATE_LABELS
                  else row["state"]),
                state=row["state"], decided_at=row["decided_at"])
        now = _now()
        tx.execute("UPDATE incoming_dossiers SET state = ?, decided_by = ?, decided_at = ?,"
                   " clerk = ?, reason = ? WHERE id = ?",
                   (state, device.id, now, body.clerk.strip(), body.reason.strip() or None,
                    incoming_id))
        tx.insert_returning_seq(
            "INSERT INTO changes (dossier_id, unit_code, kind, status, server_version,"
            " origin_device, note, at) VALUES (?, ?, 'incoming_decided', ?, 2, ?, NULL, ?)",
            (incoming_id, row["unit_code"], status, device.id, now))
        done = tx.one("SELECT * FROM incoming_dossiers WHERE id = ?", (incoming_id,))
        assert done is not None
        return _out(done, device)


_STATE_LABELS = {"accepted": N_("đã tiếp nhận"), "refused": N_("đã từ chối"),
                 "supplement": N_("đã yêu cầu bổ sung")}


def install(app: FastAPI, db: Database, blobs: BlobStore, device_dep: Any) -> None:
    DeviceDep = Annotated[Device, Depends(device_dep)]

    def admin(dev: DeviceDep) -> Device:
        if dev.role != "admin":
            raise ApiError(403, "forbidden", _("Chỉ quản trị viên được làm việc này."))
        return dev

    AdminDep = Annotated[Device, Depends(admin)]

    @app.post("/v1/admin/incoming", status_code=201, tags=["incoming"],
              responses=error_responses(400, 401, 403, 422))
    def submit_route(body: IncomingIn, _admin: AdminDep) -> dict[str, Any]:
        """A dossier submitted online or by post for a unit (the portal's side)."""
        return submit(db, blobs, body)

    @app.get("/v1/incoming", response_model=list[IncomingOut], tags=["incoming"],
             responses=error_responses(401, 422))
    def list_route(dev: DeviceDep) -> list[dict[str, Any]]:
        """The dossiers waiting at this device's unit."""
        return waiting(db, dev)

    @app.get("/v1/incoming/{incoming_id}", response_model=IncomingOut, tags=["incoming"],
             responses=error_responses(401, 404, 422))
    def get_route(incoming_id: uuid.UUID, dev: DeviceDep) -> dict[str, Any]:
        return get(db, dev, str(incoming_id))

    @app.post("/v1/incoming/{incoming_id}/accept", response_model=IncomingOut,
              tags=["incoming"], responses=error_responses(400, 401, 404, 409, 422))
    def accept_route(incoming_id: uuid.UUID, body: DecisionIn,
                     dev: DeviceDep) -> dict[str, Any]:
        return decide(db, dev, str(incoming_id), "accept", body)

    @app.post("/v1/incoming/{incoming_id}/refuse", response_model=IncomingOut,
              tags=["incoming"], responses=error_responses(400, 401, 404, 409, 422))
    def refuse_route(incoming_id: uuid.UUID, body: RefusalIn,
                     dev: DeviceDep) -> dict[str, Any]:
        return decide(db, dev, str(incoming_id), "refuse", body)

    @app.post("/v1/incoming/{incoming_id}/supplement", response_model=IncomingOut,
              tags=["incoming"], responses=error_responses(400, 401, 404, 409, 422))
    def supplement_route(incoming_id: uuid.UUID, body: RefusalIn,
                         dev: DeviceDep) -> dict[str, Any]:
        """Ask for more papers before accepting (Mẫu 02): ``reason`` lists what is missing."""
        return decide(db, dev, str(incoming_id), "supplement", body)
