"""The province's store of a citizen's digitised papers on the central server (issue 24 §3).

``GET /v1/papers?id_number=N`` lists what every unit on this server holds for the citizen:
the documents their dossiers received and scanned (from the stored bodies) and the results
(``dossier_results``), a document with the number, dates and issuer its unit's clerk
confirmed (``central.paper_facts``). ``POST /v1/papers/claim`` is the reuse of one of them by a counter,
made only after the citizen agreed on the citizen screen: the paper must be that citizen's
and not expired; the counter's unit then owns the paper's blobs (``blob_owners.how =
reuse``), so its dossier may list them and it may download them — the server stores no
second copy. Every look-up and claim is logged in ``paper_lookups``.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any, Literal

from fastapi import Depends, FastAPI, Query
from pydantic import BaseModel, ConfigDict, Field

from central.common import ApiError, Device
from central.db import Database, Tx
from central.models import error_responses
from central.paper_facts import by_paper
from central.uploads import record_owner
from kiosk import clock
from kiosk.i18n import _

ID_PATTERN = r"^(\d{9}|\d{12})$"


class ClaimIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id_number: str = Field(pattern=ID_PATTERN)
    paper_id: str = Field(min_length=1, max_length=200)
    consent: Literal[True] = Field(description="The citizen agreed on the citizen screen")


def _expired(until: str | None, today: date) -> bool:
    return bool(until) and date.fromisoformat(str(until)) < today


def papers(tx: Tx, id_number: str) -> list[dict[str, Any]]:
    """Every paper of the citizen on this server, newest first."""
    found: list[dict[str, Any]] = []
    # The number is matched inside the stored body first (no index on it), then for real.
    rows = tx.all("SELECT id, code, unit_code, body, created_at FROM dossiers WHERE body LIKE ?"
                  " ORDER BY created_at DESC", (f"%{id_number}%",))
    for row in rows:
        body = json.loads(row["body"])
        if (body.get("applicant") or {}).get("id_number") != id_number:
            continue
        facts = by_paper(tx, [row["id"]])
        for comp in body.get("components") or []:
            pages = [p["sha256"] for p in comp.get("pages") or []]
            if not pages or comp.get("reused") or not comp.get("handed_in", True):
                continue
            found.append({"id": f"{row['id']}:{comp['code']}", "kind": comp["code"],
                          "name": comp.get("name", ""), "dossier": row["code"],
                          "component": comp["code"], "sha256": pages[0], "pages": pages,
                          "number": "", "issued": None, "valid_until": None, "issuer": "",
                          "unit": row["unit_code"], "digitised_at": body.get("received_at"),
                          "origin": "document"})
            confirmed = facts.get(found[-1]["id"])
            if confirmed and confirmed["sha256"] == pages[0]:  # the file they were read from
                found[-1].update({k: confirmed[k] or found[-1][k]
                                  for k in ("number", "issued", "valid_until", "issuer")})
        for r in tx.all("SELECT * FROM dossier_results WHERE dossier_id = ? ORDER BY created_at",
                        (row["id"],)):
            found.append({"id": r["id"], "kind": r["kind"], "name": r["kind"],
                          "dossier": row["code"], "component": None, "sha256": r["sha256"],
                          "pages": [r["sha256"]], "number": r["number"], "issued": r["issued"],
                          "valid_until": r["valid_until"], "issuer": r["issuer"],
                          "unit": row["unit_code"], "digitised_at": r["created_at"],
                          "origin": "result"})
    return found


def _log(tx: Tx, dev: Device, action: str, id_number: str, detail: dict[str, Any]) -> None:
    tx.execute("INSERT INTO paper_lookups (at, device_id, unit_code, action, id_number, detail)"
               " VALUES (?, ?, ?, ?, ?, ?)",
               (clock.iso(clock.now()), dev.id, dev.unit_code, action, id_number,
                json.dumps(detail, ensure_ascii=False)))


def list_papers(db: Database, dev: Device, id_number: str) -> list[dict[str, Any]]:
    with db.transaction() as tx:
        found = papers(tx, id_number)
        _log(tx, dev, "list", id_number, {"count": len(found)})
    return found


def claim(db: Database, dev: Device, body: ClaimIn) -> dict[str, Any]:
    today = clock.now().date()
    with db.transaction(write=False) as tx:
        known = any(p["id"] == body.paper_id for p in papers(tx, body.id_number))
    if not known:
        # Logged on its own: the refusal (another citizen's paper asked for) is kept.
        with db.transaction() as tx:
            _log(tx, dev, "refused", body.id_number, {"paper": body.paper_id,
                                                      "reason": "not_this_citizen"})
        raise ApiError(404, "paper_not_found", _(
            "Không có giấy tờ {id} của công dân có số định danh {number}.",
            id=body.paper_id[:80], number=body.id_number))
    with db.transaction() as tx:
        paper = next((p for p in papers(tx, body.id_number) if p["id"] == body.paper_id), None)
        if paper is None:
            raise ApiError(404, "paper_not_found", _("Không tìm thấy giấy tờ {id}.",
                                                     id=body.paper_id[:80]))
        if _expired(paper["valid_until"], today):
            raise ApiError(422, "paper_expired", _("Giấy tờ đã hết hiệu lực ngày {until}.",
                                                    until=paper["valid_until"]))
        sizes = []
        for sha in paper["pages"]:
            row = tx.one("SELECT size FROM blobs WHERE sha256 = ?", (sha,))
            if row is None:
                raise ApiError(409, "blob_missing", _("Máy chủ không còn tệp của giấy tờ này."))
            record_owner(tx, dev.unit_code, sha, "reuse")
            sizes.append({"sha256": sha, "size": int(row["size"])})
        _log(tx, dev, "claim", body.id_number, {"paper": body.paper_id, "pages": paper["pages"]})
    return {"id": paper["id"], "pages": sizes}


def install(app: FastAPI, db: Database, device_dep: Any) -> None:
    auth = Depends(device_dep)

    @app.get("/v1/papers", tags=["papers"], responses=error_responses(401, 422))
    def get_papers(id_number: str = Query(pattern=ID_PATTERN),
                   dev: Device = auth) -> list[dict[str, Any]]:
        """The citizen's digitised papers held by every unit of this server (logged)."""
        return list_papers(db, dev, id_number)

    @app.post("/v1/papers/claim", tags=["papers"],
              responses=error_responses(400, 401, 404, 409, 422))
    def post_claim(body: ClaimIn, dev: Device = auth) -> dict[str, Any]:
        """Reuse a paper (the citizen agreed): the unit may then list and fetch its files."""
        return claim(db, dev, body)
