"""What a counter needs to check the server's word (issue 21 §2, issue 22 §1).

- **Who made a change.** Every change-feed event written by a counter's ``PUT`` carries that
  request's ``Idempotency-Key`` (``operation_id``), so the counter recognises its own changes
  when they come back and never applies them a second time.
- **The end-to-end audit.** ``GET /v1/audit?day=YYYY-MM-DD`` lists, for the caller's own
  unit, the dossiers received that day (by the date in their code, which both sides read
  the same way), each with its server version, status and page hashes, and whether each
  page's bytes are really in the blob store. A counter compares it with what it believes
  it delivered and sends again whatever is missing — a proxy that acknowledged without
  forwarding, or a server restored from an old backup, is caught here.
"""

# No ``from __future__ import annotations``: FastAPI reads the route signature below at
# definition time, and it names the device dependency passed in by create_app.
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BaseModel, Field

if TYPE_CHECKING:
    from central.blobstore import BlobStore
    from central.db import Database, Tx

SHA256 = r"^[0-9a-f]{64}$"


def record_operation(tx: "Tx", seq: int, operation_id: str) -> None:
    """The change event ``seq`` was made by the counter's request ``operation_id``."""
    tx.execute("INSERT INTO change_operations (seq, operation_id) VALUES (?, ?)",
               (seq, operation_id))


def attach_operations(tx: "Tx", rows: list[dict[str, Any]]) -> None:
    """Give each feed event of a page its ``operation_id`` (None: not a counter's request)."""
    if not rows:
        return
    seqs = [int(r["seq"]) for r in rows]
    marks = ", ".join("?" for _s in seqs)
    found = {int(r["seq"]): str(r["operation_id"]) for r in tx.all(
        f"SELECT seq, operation_id FROM change_operations WHERE seq IN ({marks})", seqs)}
    for row in rows:
        row["operation_id"] = found.get(int(row["seq"]))


def forget_lost_blob(db: "Database", blobs: "BlobStore", sha256: str) -> bool:
    """A blob row whose bytes are gone (a database restored without its blob directory, a
    disk replaced) would make a new upload of that file "already complete": the row and
    the finished uploads of the file are dropped, so the counter's upload — queued again by
    its audit — really sends the bytes. True when something was dropped."""
    if blobs.has(sha256):
        return False
    with db.transaction(write=False) as tx:  # the usual case, a new file: no write at all
        if tx.one("SELECT sha256 FROM blobs WHERE sha256 = ?", (sha256,)) is None:
            return False
    with db.transaction() as tx:
        dropped = tx.execute("DELETE FROM blobs WHERE sha256 = ?", (sha256,))
        if dropped:
            tx.execute("DELETE FROM uploads WHERE sha256 = ? AND completed = 1", (sha256,))
    return dropped > 0


# --- the audit ---------------------------------------------------------------------------

class AuditPage(BaseModel):
    sha256: str = Field(pattern=SHA256)
    present: bool = Field(description="The bytes are in the blob store (not only a row)")


class AuditDossier(BaseModel):
    id: str
    code: str
    status: int = Field(ge=1, le=10)
    server_version: int = Field(ge=1)
    pages: list[AuditPage]


class AuditDay(BaseModel):
    unit_code: str
    day: date
    dossiers: list[AuditDossier]


def code_day(day: date) -> str:
    """The date part of a dossier code (``UNIT-YYMMDD-NNNN``) for ``day``."""
    return day.strftime("%y%m%d")


def audit_day(db: "Database", blobs: "BlobStore", unit_code: str, day: date) -> dict[str, Any]:
    """The unit's dossiers of ``day`` (by the date in the code) with their pages."""
    with db.transaction(write=False) as tx:
        rows = tx.all(
            "SELECT id, code, status, server_version FROM dossiers WHERE unit_code = ? "
            "AND code LIKE ? ORDER BY code", (unit_code, f"{unit_code}-{code_day(day)}-%"))
        pages: dict[str, list[str]] = {r["id"]: [] for r in rows}
        known: set[str] = set()
        if rows:
            marks = ", ".join("?" for _r in rows)
            for p in tx.all(f"SELECT dossier_id, sha256 FROM dossier_pages WHERE dossier_id "
                            f"IN ({marks}) ORDER BY sha256", [r["id"] for r in rows]):
                pages[p["dossier_id"]].append(p["sha256"])
            every = sorted({s for shas in pages.values() for s in shas})
            for start in range(0, len(every), 500):
                part = every[start:start + 500]
                known |= {r["sha256"] for r in tx.all(
                    f"SELECT sha256 FROM blobs WHERE sha256 IN ({', '.join('?' * len(part))})",
                    part)}
    return {"unit_code": unit_code, "day": day.isoformat(), "dossiers": [
        {"id": r["id"], "code": r["code"], "status": int(r["status"]),
         "server_version": int(r["server_version"]),
         "pages": [{"sha256": s, "present": s in known and blobs.has(s)}
                   for s in pages[r["id"]]]}
        for r in rows]}


def register_routes(app: Any, db: "Database", blobs: "BlobStore", device_dep: Any) -> None:
    """``GET /v1/audit``: only ever the caller's own unit."""
    from fastapi import Depends, Query

    from central.common import ApiError, Device
    from central.models import ApiErrorBody
    from kiosk.i18n import _

    @app.get("/v1/audit", response_model=AuditDay, tags=["sync"],
             responses={c: {"model": ApiErrorBody} for c in (401, 422)})
    def get_audit(dev: Annotated[Device, Depends(device_dep)],
                  day: Annotated[str, Query(pattern=r"^\d{4}-\d{2}-\d{2}$",
                                            json_schema_extra={"format": "date"},
                                            description="Reception day (YYYY-MM-DD), as "
                                                        "in the dossier codes")]
                  ) -> dict[str, Any]:
        """What the server holds of the caller's unit for one day: codes, versions, page
        hashes and whether each page's bytes are stored."""
        try:
            parsed = date.fromisoformat(day)
        except ValueError:
            raise ApiError(422, "invalid_request",
                           _("Ngày «{day}» không hợp lệ (YYYY-MM-DD).", day=day)) from None
        return audit_day(db, blobs, dev.unit_code, parsed)
