"""Issue 23 on the central server: receipts (through the e-receipt provider, answering with a
look-up code), voids, refunds and certification register entries from every counter, each
stored exactly once per ``Idempotency-Key`` and per id; and the fees the portal export sends
(``DanhSachLePhi``: the amounts actually collected).

A number can only be taken once per unit: a receipt whose (series, year, number) or a register
entry whose (book, number) another id already holds is refused with ``number_taken`` (two
counters configured with the same counter number), which the counter parks for a person.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, Header, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from central.common import idempotent_reply
from central.db import Database, IntegrityError, Tx
from central.ereceipt import EReceiptProvider, ProviderRefused, ProviderUnavailable
from central.models import CODE_PATTERN
from central.service import ApiError, Device
from kiosk import clock
from kiosk.i18n import _

_TEXT = Field(default="", max_length=1000)
#: Module-level: with postponed annotations FastAPI resolves route annotations here.
Key = Annotated[str, Header(min_length=1, max_length=100)]
Day = Annotated[date, Query()]
_DAY = r"^\d{4}-\d{2}-\d{2}$"


class ReceiptItem(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(max_length=500)
    quantity: int = Field(ge=0, le=10**7)
    unit: str = Field(default="", max_length=50)
    amount: int | None = Field(default=None, ge=0, le=10**12)


class ReceiptBase(BaseModel):
    """What a receipt and an exemption share, as the counter issued them."""

    model_config = ConfigDict(extra="forbid")
    dossier_id: uuid.UUID
    dossier_code: str = Field(pattern=CODE_PATTERN)
    unit_code: str = Field(min_length=1, max_length=35)
    form: str = Field(default="", max_length=40)
    year: int = Field(ge=2000, le=2999)
    counter: int = Field(ge=0, le=9)
    payer: str = Field(max_length=200)
    content: str = Field(max_length=2000)
    items: list[ReceiptItem] = Field(default_factory=list, max_length=50)
    amount_words: str = Field(max_length=500)
    reason: str = _TEXT
    full_amount: int = Field(ge=0, le=10**12)
    clerk: str = Field(min_length=1, max_length=200)
    at: datetime
    day: str = Field(pattern=_DAY)


class PaidReceipt(ReceiptBase):
    """Money collected: a numbered receipt of its series."""

    kind: Literal["receipt"]
    series: str = Field(min_length=1, max_length=20)
    number: int = Field(ge=1, le=9_999_999)
    amount: int = Field(ge=0, le=10**12)
    method: Literal["cash", "transfer"]


class Exemption(ReceiptBase):
    """A fee not collected, with its reason: no series, no number, nothing paid."""

    kind: Literal["exemption"]
    series: None = None
    number: None = None
    amount: Literal[0]
    method: Literal["exempt"]


#: The body of ``PUT /v1/receipts/{id}``; the schema states which fields each kind has.
ReceiptIn = Annotated[PaidReceipt | Exemption, Field(discriminator="kind")]


class VoidIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    voided_at: datetime
    voided_by: str = Field(min_length=1, max_length=200)
    reason: str = Field(min_length=1, max_length=1000)


class RefundIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    receipt_id: uuid.UUID
    amount: int = Field(ge=1, le=10**12)
    reason: str = Field(min_length=1, max_length=1000)
    clerk: str = Field(min_length=1, max_length=200)
    at: datetime
    day: str = Field(pattern=_DAY)


class RegisterIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    dossier_id: uuid.UUID
    dossier_code: str = Field(pattern=CODE_PATTERN)
    unit_code: str = Field(min_length=1, max_length=35)
    kind: str = Field(pattern=r"^(copy|signature|contract)$")
    book: str = Field(min_length=1, max_length=60)
    year: int = Field(ge=2000, le=2999)
    number: int = Field(ge=1, le=999_999)
    counter: int = Field(ge=0, le=9)
    document: str = Field(max_length=500)
    copies: int = Field(ge=1, le=1000)
    pages: int = Field(ge=0, le=100_000)
    requester: str = Field(max_length=200)
    requester_id: str = Field(default="", max_length=20)
    signer_title: str = Field(max_length=200)
    signer_name: str = Field(max_length=200)
    fee: int = Field(ge=0, le=10**12)
    receipt_id: uuid.UUID | None = None
    clerk: str = Field(min_length=1, max_length=200)
    at: datetime
    day: str = Field(pattern=_DAY)


def _now() -> str:
    return clock.iso(clock.now())


def _sha(what: str, key: str, body: BaseModel) -> str:
    canonical = json.dumps(body.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(f"{what}\n{key}\n{canonical}".encode()).hexdigest()


def idempotent(db: Database, dev: Device, op_key: str, request_sha: str,
               write: Callable[[Tx], tuple[int, dict[str, Any]]]
               ) -> tuple[int, dict[str, Any], bool]:
    """Run ``write`` once per (device, ``op_key``); a replay gets the stored answer."""

    def stored(tx: Tx) -> tuple[int, dict[str, Any]] | None:
        row = tx.one("SELECT request_sha256, status_code, response FROM idempotency"
                     " WHERE device_id = ? AND op_key = ?", (dev.id, op_key))
        if row is None:
            return None
        if row["request_sha256"] != request_sha:
            raise ApiError(422, "idempotency_key_reused",
                           _("Khoá Idempotency-Key này đã dùng cho một yêu cầu khác."))
        return int(row["status_code"]), json.loads(row["response"])

    try:
        with db.transaction() as tx:
            tx.lock(f"idem:{dev.id}:{op_key}")
            found = stored(tx)
            if found is not None:
                return (*found, True)
            status, response = write(tx)
            tx.execute("INSERT INTO idempotency (device_id, op_key, request_sha256, status_code,"
                       " response, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                       (dev.id, op_key, request_sha, status, json.dumps(response), _now()))
            return status, response, False
    except IntegrityError:
        with db.transaction(write=False) as tx:
            found = stored(tx)
        if found is not None:
            return (*found, True)
        raise ApiError(409, "conflict", _("Đang được ghi bởi một yêu cầu khác; hãy thử lại."))\
            from None


def _own_dossier(tx: Tx, dev: Device, dossier_id: str, code: str) -> None:
    row = tx.one("SELECT unit_code FROM dossiers WHERE id = ?", (dossier_id,))
    if row is None:
        # The dossier's own upsert is queued first on the same counter: retry after it.
        raise ApiError(409, "conflict", _("Máy chủ chưa có hồ sơ {code}.", code=code))
    if row["unit_code"] != dev.unit_code:
        raise ApiError(403, "wrong_unit", _("Hồ sơ {code} không thuộc đơn vị của thiết bị.",
                                            code=code))


_RECEIPT_KEYS = ("dossier_id", "kind", "series", "year", "number", "amount", "method", "payer")


def put_receipt(db: Database, dev: Device, provider: EReceiptProvider, receipt_id: str,
                op_key: str, body: ReceiptIn) -> tuple[int, dict[str, Any], bool]:
    data = body.model_dump(mode="json")
    if body.unit_code != dev.unit_code:
        raise ApiError(403, "wrong_unit", _("Biên lai không thuộc đơn vị của thiết bị."))
    with db.transaction(write=False) as tx:
        _own_dossier(tx, dev, str(body.dossier_id), body.dossier_code)
        existing = tx.one("SELECT * FROM receipts WHERE id = ?", (receipt_id,))
        if existing is not None:
            if any(str(existing[k]) != str(data[k]) for k in _RECEIPT_KEYS):
                raise ApiError(409, "receipt_mismatch",
                               _("Biên lai {id} đã có với nội dung khác.", id=receipt_id))
        elif body.number is not None and tx.one(
                "SELECT id FROM receipts WHERE unit_code = ? AND series = ? AND year = ? AND "
                "number = ?", (body.unit_code, body.series, body.year, body.number)):
            raise ApiError(409, "number_taken", _(
                "Số biên lai {series}-{number} đã có trên máy chủ với biên lai khác: hai quầy "
                "dùng chung một ký hiệu?", series=body.series, number=f"{body.number:07d}"))
    issued_code, issued_by = None, None
    if body.kind == "receipt":
        try:
            issued = provider.issue({**data, "id": receipt_id})
        except ProviderUnavailable as exc:
            raise ApiError(503, "provider_unavailable", _(
                "Hệ thống biên lai điện tử chưa trả lời ({error}); sẽ thử lại.",
                error=str(exc)[:200])) from None
        except ProviderRefused as exc:
            raise ApiError(422, "provider_refused", _(
                "Hệ thống biên lai điện tử từ chối biên lai: {error}", error=str(exc)[:500])
            ) from None
        issued_code, issued_by = issued.lookup_code, issued.provider

    def write(tx: Tx) -> tuple[int, dict[str, Any]]:
        row = tx.one("SELECT lookup_code, provider FROM receipts WHERE id = ?", (receipt_id,))
        if row is not None:
            return 200, {"id": receipt_id, "stored": True, "lookup_code": row["lookup_code"],
                         "provider": row["provider"]}
        cols = {**data, "items": json.dumps(data["items"], ensure_ascii=False),
                "at": clock.iso(body.at), "id": receipt_id, "device_id": dev.id,
                "lookup_code": issued_code, "provider": issued_by, "received_at": _now()}
        tx.execute(f"INSERT INTO receipts ({', '.join(cols)}) VALUES "
                   f"({', '.join('?' for _c in cols)})", tuple(cols.values()))
        return 201, {"id": receipt_id, "stored": True, "lookup_code": issued_code,
                     "provider": issued_by}

    return idempotent(db, dev, op_key, _sha("receipt", receipt_id, body), write)


def void_receipt(db: Database, dev: Device, provider: EReceiptProvider, receipt_id: str,
                 op_key: str, body: VoidIn) -> tuple[int, dict[str, Any], bool]:
    with db.transaction(write=False) as tx:
        row = tx.one("SELECT * FROM receipts WHERE id = ?", (receipt_id,))
    if row is None:
        raise ApiError(409, "conflict", _("Máy chủ chưa có biên lai {id}.", id=receipt_id))
    if row["unit_code"] != dev.unit_code:
        raise ApiError(403, "wrong_unit", _("Biên lai không thuộc đơn vị của thiết bị."))
    if row["kind"] == "receipt" and row["voided_at"] is None:
        try:
            provider.cancel(dict(row), body.reason)
        except ProviderUnavailable as exc:
            raise ApiError(503, "provider_unavailable", _(
                "Hệ thống biên lai điện tử chưa trả lời ({error}); sẽ thử lại.",
                error=str(exc)[:200])) from None

    def write(tx: Tx) -> tuple[int, dict[str, Any]]:
        tx.execute("UPDATE receipts SET voided_at = ?, voided_by = ?, void_reason = ? "
                   "WHERE id = ? AND voided_at IS NULL",
                   (clock.iso(body.voided_at), body.voided_by, body.reason, receipt_id))
        return 200, {"id": receipt_id, "voided": True}

    return idempotent(db, dev, op_key, _sha("void", receipt_id, body), write)


def put_refund(db: Database, dev: Device, refund_id: str, op_key: str,
               body: RefundIn) -> tuple[int, dict[str, Any], bool]:
    def write(tx: Tx) -> tuple[int, dict[str, Any]]:
        receipt = tx.one("SELECT unit_code, amount FROM receipts WHERE id = ?",
                         (str(body.receipt_id),))
        if receipt is None:
            raise ApiError(409, "conflict", _("Máy chủ chưa có biên lai {id}.",
                                              id=str(body.receipt_id)))
        if receipt["unit_code"] != dev.unit_code:
            raise ApiError(403, "wrong_unit", _("Biên lai không thuộc đơn vị của thiết bị."))
        if tx.one("SELECT id FROM receipt_refunds WHERE id = ?", (refund_id,)) is None:
            tx.execute("INSERT INTO receipt_refunds (id, receipt_id, unit_code, amount, reason, "
                       "clerk, at, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                       (refund_id, str(body.receipt_id), dev.unit_code, body.amount,
                        body.reason, body.clerk, clock.iso(body.at), _now()))
        return 201, {"id": refund_id, "stored": True}

    return idempotent(db, dev, op_key, _sha("refund", refund_id, body), write)


def put_entry(db: Database, dev: Device, entry_id: str, op_key: str,
              body: RegisterIn) -> tuple[int, dict[str, Any], bool]:
    if body.unit_code != dev.unit_code:
        raise ApiError(403, "wrong_unit", _("Sổ chứng thực không thuộc đơn vị của thiết bị."))
    data = body.model_dump(mode="json")

    def write(tx: Tx) -> tuple[int, dict[str, Any]]:
        _own_dossier(tx, dev, str(body.dossier_id), body.dossier_code)
        if tx.one("SELECT id FROM register_entries WHERE id = ?", (entry_id,)) is not None:
            return 200, {"id": entry_id, "stored": True}
        if tx.one("SELECT id FROM register_entries WHERE unit_code = ? AND book = ? AND "
                  "number = ?", (body.unit_code, body.book, body.number)):
            raise ApiError(409, "number_taken", _(
                "Số chứng thực {number} quyển {book} đã có trên máy chủ: hai quầy dùng chung "
                "một quyển?", number=body.number, book=body.book))
        cols = {**data, "at": clock.iso(body.at), "id": entry_id, "device_id": dev.id,
                "received_at": _now()}
        tx.execute(f"INSERT INTO register_entries ({', '.join(cols)}) VALUES "
                   f"({', '.join('?' for _c in cols)})", tuple(cols.values()))
        return 201, {"id": entry_id, "stored": True}

    return idempotent(db, dev, op_key, _sha("register", entry_id, body), write)


def listing(db: Database, table: str, unit: str, first: date, last: date
            ) -> list[dict[str, Any]]:
    order = "at, id" if table == "receipts" else "book, number"
    with db.transaction(write=False) as tx:
        rows = tx.all(f"SELECT * FROM {table} WHERE unit_code = ? AND day BETWEEN ? AND ? "
                      f"ORDER BY {order}", (unit, first.isoformat(), last.isoformat()))
    for row in rows:
        row.pop("device_id", None)
        if "items" in row:
            row["items"] = json.loads(row["items"])
    return rows


def portal_fees(db: Database, dossier_id: str) -> list[dict[str, Any]]:
    """``DanhSachLePhi``: what was actually collected for the dossier (voided receipts and
    exemptions left out, refunds taken off)."""
    from central.portal import fees_in

    with db.transaction(write=False) as tx:
        return [{k: v for k, v in fee.items() if k != "_at"} for fee in fees_in(tx, dossier_id)]


def _err(*codes: int) -> dict[int | str, dict[str, Any]]:
    """The error answers a route documents (the shape of ``central.app``'s)."""
    from central.models import ApiErrorBody

    return {c: {"model": ApiErrorBody} for c in codes}


def install(app: FastAPI, db: Database, device_dep: Any, provider: EReceiptProvider) -> None:
    auth = Depends(device_dep)

    @app.put("/v1/receipts/{receipt_id}", status_code=201, tags=["money"],
             responses={200: {"description": "already stored"},
                        **_err(400, 401, 403, 409, 422, 503)})
    def put_receipt_route(receipt_id: uuid.UUID, body: ReceiptIn, response: Response,
                          idempotency_key: Key, dev: Device = auth) -> dict[str, Any]:
        """Store a counter's receipt once and register it with the e-receipt provider;
        the answer carries the look-up code (mã tra cứu)."""
        return idempotent_reply(response, put_receipt(db, dev, provider, str(receipt_id),
                                                      idempotency_key, body))

    @app.post("/v1/receipts/{receipt_id}/void", tags=["money"],
              responses=_err(400, 401, 403, 409, 422, 503))
    def void_route(receipt_id: uuid.UUID, body: VoidIn, response: Response, idempotency_key: Key,
                   dev: Device = auth) -> dict[str, Any]:
        return idempotent_reply(response, void_receipt(db, dev, provider, str(receipt_id),
                                                       idempotency_key, body))

    @app.put("/v1/refunds/{refund_id}", status_code=201, tags=["money"],
             responses=_err(400, 401, 403, 409, 422))
    def refund_route(refund_id: uuid.UUID, body: RefundIn, response: Response, idempotency_key: Key,
                     dev: Device = auth) -> dict[str, Any]:
        return idempotent_reply(response,
                                put_refund(db, dev, str(refund_id), idempotency_key, body))

    @app.put("/v1/register/{entry_id}", status_code=201, tags=["money"],
             responses=_err(400, 401, 403, 409, 422))
    def register_route(entry_id: uuid.UUID, body: RegisterIn, response: Response,
                       idempotency_key: Key, dev: Device = auth) -> dict[str, Any]:
        return idempotent_reply(response,
                                put_entry(db, dev, str(entry_id), idempotency_key, body))

    @app.get("/v1/receipts", tags=["money"], responses=_err(401, 422))
    def list_receipts(start: Day, end: Day, dev: Device = auth) -> list[dict[str, Any]]:
        """The device's unit's receipts (every counter's) made between two days."""
        return listing(db, "receipts", dev.unit_code, start, end)

    @app.get("/v1/register", tags=["money"], responses=_err(401, 422))
    def list_register(start: Day, end: Day, dev: Device = auth) -> list[dict[str, Any]]:
        """The unit's certification register entries (every counter's book)."""
        return listing(db, "register_entries", dev.unit_code, start, end)
