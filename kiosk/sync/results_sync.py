"""Results both ways (issue 24).

Down: a ``result`` event of the change feed names a result the province attached (its facts
and its file's sha256). Before the page is applied the file is downloaded
(``GET /v1/blobs/{sha256}``, capped at ``results.max_mib``), its bytes re-hashed, checked to
be a PDF, and its signature verified against ``signing.trust_file`` (the system's roots when
empty); the bytes go into the file store, and the result row with the verdict is written
with the page, in the page's transaction. A file that does not hash to its name, is not a
PDF, is too large, or carries a signature that no longer covers it (altered after signing)
is refused: nothing of it is kept, and the refusal is a line in the timeline and a notice.
An unsigned result, or one signed by a certificate the roots do not vouch for, is kept with
that verdict (shown to the clerk). A network failure leaves the cursor where it was: the
page is fetched again next pass.

Up: a paper result scanned at hand-over is outbox kind ``result.add``; its file goes up by
tus like any scan (the engine uploads the operation's blobs first), then
``PUT /v1/dossiers/{id}/results/{rid}`` with the facts.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from kiosk.i18n import _
from kiosk.result_code import CODE_RE, KIND_RE, looks_like_pdf
from kiosk.storage import results as stored
from kiosk.sync.acked_put import put_acknowledged
from kiosk.sync.errors import BadResponse, ResponseTooLarge, Retry

log = logging.getLogger(__name__)
KIND = "result.add"
PDF = "application/pdf"


class ResultFacts(BaseModel):
    """A feed event's ``result``: checked field by field before anything is fetched."""

    model_config = ConfigDict(strict=True, extra="ignore")
    id: str = Field(min_length=1, max_length=100)
    kind: str = Field(pattern=KIND_RE.pattern)
    number: str = Field(default="", max_length=100)
    issued: str | None = Field(default=None, max_length=10)
    valid_until: str | None = Field(default=None, max_length=10)
    issuer: str = Field(default="", max_length=300)
    code: str = Field(pattern=CODE_RE.pattern)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    size: int = Field(ge=1, le=1 << 40)


class Ack(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore")
    id: str = Field(min_length=1, max_length=100)
    stored: bool


class Prepared:
    """What fetching one result gave: a stored file with its verdict, or a refusal."""

    def __init__(self, facts: dict[str, Any], size: int = 0,
                 verdict: dict[str, Any] | None = None, refused: str = "") -> None:
        self.facts, self.size, self.verdict, self.refused = facts, size, verdict, refused


def _trust(config: Any) -> list[Any] | None:
    path = str(config.get("signing.trust_file") or "")
    if not path:
        return None
    from kiosk.signing.verify import load_trust

    return load_trust(path)


def verdict_of(data: bytes, config: Any) -> dict[str, Any]:
    from kiosk.signing.verify import verify_pdf

    full = verify_pdf(data, _trust(config))
    out = {k: full.get(k) for k in ("signed", "valid", "intact", "signer", "signed_at",
                                    "timestamped", "pdfa")}
    problems = [s.get("problem") for s in full.get("signatures", []) if s.get("problem")]
    if full.get("problem"):
        problems.append(full["problem"])
    if out["signed"] and not all(s.get("trusted") for s in full.get("signatures", [])):
        problems.append(_("người ký không thuộc danh sách tin cậy"))
    if problems:
        out["problem"] = "; ".join(str(p) for p in problems)[:500]
    return out


def _day_ok(text: str | None) -> bool:
    if text is None:
        return True
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def prepare(engine: Any, change: Any) -> Prepared | None:
    """Fetch and check one ``result`` event's file (None: not one to fetch here)."""
    raw = change.result
    try:
        facts = ResultFacts.model_validate(raw or {})
    except ValidationError:
        raise BadResponse(_("GET /v1/changes: kết quả của sự kiện {seq} không hợp lệ",
                            seq=change.seq)) from None
    if not (_day_ok(facts.issued) and _day_ok(facts.valid_until)):
        raise BadResponse(_("GET /v1/changes: ngày của kết quả {seq} không hợp lệ",
                            seq=change.seq))
    known = engine.store.read(lambda db: db.execute(
        "SELECT 1 FROM results WHERE id = ?", (facts.id,)).fetchone() or db.execute(
        "SELECT 1 FROM result_refusals WHERE seq = ?", (change.seq,)).fetchone() or
        db.execute("SELECT 1 FROM dossiers WHERE id = ?", (change.dossier_id,)).fetchone()
        is None)
    if known:
        return None  # already here, already refused, or another counter's dossier
    data = facts.model_dump()
    cap = int(engine.store.config.get("results.max_mib")) << 20
    if facts.size > cap:
        return Prepared(data, refused=_("tệp {mib} MiB vượt giới hạn {limit} MiB",
                                        mib=facts.size >> 20, limit=cap >> 20))
    try:
        r = engine.http.get(f"/v1/blobs/{facts.sha256}", headers=engine._headers(),
                            extensions={"max_bytes": cap + 1})
    except ResponseTooLarge:
        return Prepared(data, refused=_("tệp vượt giới hạn {limit} MiB", limit=cap >> 20))
    if r.status_code != 200:
        raise Retry(_("Không tải được tệp kết quả {sha} ({status}).", sha=facts.sha256[:12],
                      status=r.status_code))
    body = r.content
    if hashlib.sha256(body).hexdigest() != facts.sha256 or len(body) != facts.size:
        return Prepared(data, refused=_("tệp tải về không khớp mã băm (bị sửa hoặc hỏng)"))
    if not looks_like_pdf(body):
        return Prepared(data, refused=_("tệp không phải PDF"))
    verdict = verdict_of(body, engine.store.config)
    if verdict.get("signed") and not verdict.get("intact"):
        return Prepared(data, refused=_("chữ ký số không còn nguyên vẹn: tệp đã bị sửa sau khi "
                                        "ký ({problem})", problem=verdict.get("problem") or ""))
    engine.store.put_file(body)
    return Prepared(data, size=len(body), verdict=verdict)


def prepare_page(engine: Any, changes: list[Any]) -> dict[int, Prepared]:
    """Every ``result`` event of a feed page, fetched before the page is applied."""
    out: dict[int, Prepared] = {}
    for change in changes:
        if change.kind != "result":
            continue
        own = engine.store.read(lambda db, c=change: db.execute(
            "SELECT 1 FROM outbox WHERE id = ?", (c.operation_id or "",)).fetchone())
        if own:
            continue  # a result this counter scanned: already here
        found = prepare(engine, change)
        if found is not None:
            out[change.seq] = found
    return out


def apply(db: Any, change: Any, prepared: Prepared | None) -> int:
    """Inside the page's transaction: the result row, or the refusal."""
    if prepared is None:
        return 0
    if db.execute("SELECT 1 FROM dossiers WHERE id = ?", (change.dossier_id,)).fetchone() is None:
        return 0  # a dossier this counter does not hold (another counter's of the unit)
    if prepared.refused:
        return int(stored.refuse(db, seq=change.seq, dossier_id=change.dossier_id,
                                 facts=prepared.facts, reason=prepared.refused))
    stored.add(db, dossier_id=change.dossier_id, facts=prepared.facts, size=prepared.size,
               mime=PDF, origin="province", actor="central", signature=prepared.verdict,
               result_id=prepared.facts["id"])
    return 1


def put_result(engine: Any, item: dict[str, Any]) -> None:
    """``PUT /v1/dossiers/{id}/results/{rid}`` once the file is up."""
    payload = dict(item["payload"])
    rid, dossier_id = payload.pop("id"), payload.pop("dossier_id")
    put_acknowledged(engine, item, f"/v1/dossiers/{dossier_id}/results/{rid}", payload, Ack,
                     lambda ack: ack.id == rid and ack.stored)
