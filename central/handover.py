"""What a counter handed over for a dossier (issue 24): per result, paper, the electronic
file or both, and whether the electronic file was printed on the spot or sent; with no
result on file, the reason it went unscanned.

The counter sends it once per hand-over (outbox ``result.handover``, ``PUT
/v1/dossiers/{id}/handover``, idempotent by its key); the server keeps the last hand-over
of each dossier in ``dossier_handovers`` (appended to the server's tables by
``central.schema``). ``kiosk central handover CODE`` shows it.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, Header, Response
from pydantic import BaseModel, ConfigDict, Field

from central.common import ApiError, Device, idempotent_reply
from central.db import Database, Tx
from central.models import Stamp, error_responses
from central.money import idempotent
from kiosk import clock
from kiosk.i18n import _


class GivenResult(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(min_length=1, max_length=100)
    given: Literal["paper", "electronic", "both"]
    delivered: Literal["printed", "sent"] | None = None


class HandoverIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    dossier_code: str = Field(min_length=1, max_length=40)
    at: Stamp
    actor: str = Field(min_length=1, max_length=100)
    recipient: str = Field(default="", max_length=200)
    unscanned_reason: str | None = Field(default=None, max_length=500)
    results: list[GivenResult] = Field(default_factory=list, max_length=100)


Key = Annotated[str, Header(min_length=1, max_length=100)]


def put_handover(db: Database, dev: Device, dossier_id: str, op_key: str,
                 body: HandoverIn) -> tuple[int, dict[str, Any], bool]:
    canonical = json.dumps(body.model_dump(mode="json"), sort_keys=True)
    request_sha = hashlib.sha256(f"handover\n{dossier_id}\n{canonical}".encode()).hexdigest()

    def write(tx: Tx) -> tuple[int, dict[str, Any]]:
        dossier = tx.one("SELECT unit_code FROM dossiers WHERE id = ?", (dossier_id,))
        if dossier is None:
            # The dossier's own record is queued first on the same counter: retry after it.
            raise ApiError(409, "conflict", _("Máy chủ chưa có hồ sơ {code}.",
                                              code=body.dossier_code))
        if dossier["unit_code"] != dev.unit_code:
            raise ApiError(403, "wrong_unit", _("Hồ sơ {code} không thuộc đơn vị của thiết bị.",
                                                code=body.dossier_code))
        if not body.results and not (body.unscanned_reason or "").strip():
            raise ApiError(422, "unscanned_without_reason",
                           _("Trả kết quả không quét cần ghi lý do."))
        known = {r["id"] for r in tx.all("SELECT id FROM dossier_results WHERE dossier_id = ?",
                                          (dossier_id,))}
        unknown = [r.id for r in body.results if r.id not in known]
        if unknown:
            # The result's own PUT is queued before the hand-over: retry after it.
            raise ApiError(409, "conflict", _("Máy chủ chưa có kết quả {id}.", id=unknown[0]))
        row = (dossier_id, dev.unit_code, dev.id, body.at, body.actor, body.recipient,
               body.unscanned_reason,
               json.dumps([r.model_dump() for r in body.results], ensure_ascii=False),
               clock.iso(clock.now()))
        old = tx.one("SELECT at FROM dossier_handovers WHERE dossier_id = ?", (dossier_id,))
        if old is None:
            tx.execute("INSERT INTO dossier_handovers (dossier_id, unit_code, device_id, at,"
                       " actor, recipient, unscanned_reason, results, received_at)"
                       " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", row)
        elif old["at"] <= body.at:  # a later hand-over of the same dossier replaces it
            tx.execute("UPDATE dossier_handovers SET unit_code = ?, device_id = ?, at = ?,"
                       " actor = ?, recipient = ?, unscanned_reason = ?, results = ?,"
                       " received_at = ? WHERE dossier_id = ?", (*row[1:], dossier_id))
        return 201, {"dossier_id": dossier_id, "stored": True}

    return idempotent(db, dev, op_key, request_sha, write)


def for_code(db: Database, code: str) -> dict[str, Any]:
    """``kiosk central handover CODE``: the dossier's last hand-over, or null."""
    with db.transaction(write=False) as tx:
        dossier = tx.one("SELECT id, code, status FROM dossiers WHERE code = ?", (code,))
        if dossier is None:
            raise ApiError(404, "dossier_not_found", _("Không tìm thấy hồ sơ {code}.", code=code))
        row = tx.one("SELECT * FROM dossier_handovers WHERE dossier_id = ?", (dossier["id"],))
        results = {r["id"]: r for r in tx.all(
            "SELECT id, kind, number, code FROM dossier_results WHERE dossier_id = ?",
            (dossier["id"],))}
    if row is None:
        return {"code": dossier["code"], "status": dossier["status"], "handover": None}
    given = [{**r, **{k: results.get(r["id"], {}).get(k) for k in ("kind", "number", "code")}}
             for r in json.loads(row["results"])]
    return {"code": dossier["code"], "status": dossier["status"],
            "handover": {"at": row["at"], "actor": row["actor"], "recipient": row["recipient"],
                         "unit": row["unit_code"], "device": row["device_id"],
                         "unscanned_reason": row["unscanned_reason"], "results": given,
                         "received_at": row["received_at"]}}


def install(app: FastAPI, db: Database, device_dep: Any) -> None:
    auth = Depends(device_dep)

    @app.put("/v1/dossiers/{dossier_id}/handover", status_code=201, tags=["sync"],
             responses={200: {"description": "already stored"},
                        **error_responses(400, 401, 403, 409, 422)})
    def put_dossier_handover(dossier_id: uuid.UUID, body: HandoverIn, response: Response,
                             idempotency_key: Key, dev: Device = auth) -> dict[str, Any]:
        """What the counter handed over for the dossier (once per hand-over)."""
        return idempotent_reply(
            response, put_handover(db, dev, str(dossier_id), idempotency_key, body))
