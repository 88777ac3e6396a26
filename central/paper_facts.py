"""A scanned document's number, dates and issuer, as a clerk of the unit that scanned it
confirmed them (issue 24 §3; the counter's side is ``kiosk.storage.paper_facts``).

The counter sends each confirmation once (outbox ``paper.facts``, ``PUT
/v1/dossiers/{id}/paper-facts``, idempotent by its key). It is stored against the paper
— the dossier and component, checked against what the dossier's stored body says: the
owner's ID number and the component's first file — in ``paper_facts`` (appended to the
server's tables by ``central.schema``); the last confirmation of a paper counts.
``central.papers`` lists the facts with the paper, so a document whose validity has
passed is marked expired on every counter of the province and cannot be claimed.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import date
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, Response
from pydantic import BaseModel, ConfigDict, Field

from central.common import ApiError, Device, idempotent_reply
from central.db import Database, Tx
from central.models import Stamp, error_responses
from central.money import idempotent
from kiosk import clock
from kiosk.i18n import _


class FactsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    dossier_code: str = Field(min_length=1, max_length=40)
    component: str = Field(min_length=1, max_length=100)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    id_number: str = Field(pattern=r"^(\d{9}|\d{12})$")
    number: str = Field(default="", max_length=100)
    issued: date | None = None
    valid_until: date | None = None
    issuer: str = Field(default="", max_length=300)
    confirmed_by: str = Field(min_length=1, max_length=100)
    confirmed_at: Stamp


Key = Annotated[str, Header(min_length=1, max_length=100)]


def _paper_of(tx: Tx, dev: Device, dossier_id: str, body: FactsIn) -> None:
    """Refuse, before anything is written, facts for a paper this server does not hold as
    described or that another unit scanned."""
    row = tx.one("SELECT unit_code, body FROM dossiers WHERE id = ?", (dossier_id,))
    if row is None:
        # The dossier's own record is queued first on the same counter: retry after it.
        raise ApiError(409, "conflict", _("Máy chủ chưa có hồ sơ {code}.",
                                          code=body.dossier_code))
    if row["unit_code"] != dev.unit_code:
        raise ApiError(403, "wrong_unit", _("Hồ sơ {code} không thuộc đơn vị của thiết bị.",
                                            code=body.dossier_code))
    stored = json.loads(row["body"])
    if (stored.get("applicant") or {}).get("id_number") != body.id_number:
        raise ApiError(404, "paper_not_found", _(
            "Hồ sơ {code} không phải của công dân có số định danh {number}.",
            code=body.dossier_code, number=body.id_number))
    comp = next((c for c in stored.get("components") or []
                 if c.get("code") == body.component), None)
    pages = [p.get("sha256") for p in (comp or {}).get("pages") or []]
    if comp is None or not pages or comp.get("reused"):
        raise ApiError(404, "paper_not_found", _(
            "Hồ sơ {code} không có giấy tờ đã quét mã {component}.",
            code=body.dossier_code, component=body.component[:40]))
    if pages[0] != body.sha256:
        raise ApiError(409, "paper_changed", _(
            "Tệp của giấy tờ {component} trên máy chủ khác tệp đã xác nhận số, ngày.",
            component=body.component[:40]))


def put_facts(db: Database, dev: Device, dossier_id: str, op_key: str,
              body: FactsIn) -> tuple[int, dict[str, Any], bool]:
    if body.issued and body.valid_until and body.valid_until < body.issued:
        raise ApiError(422, "invalid_dates", _(
            "Ngày hết hiệu lực {until} trước ngày cấp {issued}.",
            until=body.valid_until.isoformat(), issued=body.issued.isoformat()))
    canonical = json.dumps(body.model_dump(mode="json"), sort_keys=True)
    request_sha = hashlib.sha256(f"facts\n{dossier_id}\n{canonical}".encode()).hexdigest()
    paper_id = f"{dossier_id}:{body.component}"

    def write(tx: Tx) -> tuple[int, dict[str, Any]]:
        _paper_of(tx, dev, dossier_id, body)
        row = (dossier_id, body.component, body.sha256, body.id_number, dev.unit_code,
               dev.id, body.number, body.issued.isoformat() if body.issued else None,
               body.valid_until.isoformat() if body.valid_until else None, body.issuer,
               body.confirmed_by, body.confirmed_at, clock.iso(clock.now()))
        old = tx.one("SELECT confirmed_at FROM paper_facts WHERE paper_id = ?", (paper_id,))
        if old is None:
            tx.execute("INSERT INTO paper_facts (paper_id, dossier_id, component, sha256,"
                       " id_number, unit_code, device_id, number, issued, valid_until, issuer,"
                       " confirmed_by, confirmed_at, received_at)"
                       " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", (paper_id, *row))
        elif old["confirmed_at"] <= body.confirmed_at:  # a correction replaces it
            tx.execute("UPDATE paper_facts SET dossier_id = ?, component = ?, sha256 = ?,"
                       " id_number = ?, unit_code = ?, device_id = ?, number = ?, issued = ?,"
                       " valid_until = ?, issuer = ?, confirmed_by = ?, confirmed_at = ?,"
                       " received_at = ? WHERE paper_id = ?", (*row, paper_id))
        return 201, {"paper_id": paper_id, "stored": True}

    return idempotent(db, dev, op_key, request_sha, write)


def by_paper(tx: Tx, dossier_ids: list[str]) -> dict[str, dict[str, Any]]:
    """The confirmed facts of these dossiers' documents, by paper id."""
    if not dossier_ids:
        return {}
    marks = ",".join("?" * len(dossier_ids))
    return {r["paper_id"]: {"number": r["number"], "issued": r["issued"],
                            "valid_until": r["valid_until"], "issuer": r["issuer"],
                            "sha256": r["sha256"]}
            for r in tx.all("SELECT paper_id, sha256, number, issued, valid_until, issuer"
                            f" FROM paper_facts WHERE dossier_id IN ({marks})",
                            tuple(dossier_ids))}


def install(app: FastAPI, db: Database, device_dep: Any) -> None:
    auth = Depends(device_dep)

    @app.put("/v1/dossiers/{dossier_id}/paper-facts", status_code=201, tags=["papers"],
             responses={200: {"description": "already stored"},
                        **error_responses(400, 401, 403, 404, 409, 422)})
    def put_paper_facts(dossier_id: uuid.UUID, body: FactsIn, response: Response,
                        idempotency_key: Key, dev: Device = auth) -> dict[str, Any]:
        """A scanned document's number, dates and issuer, as the unit's clerk confirmed."""
        return idempotent_reply(
            response, put_facts(db, dev, str(dossier_id), idempotency_key, body))
