"""Sending receipts, voids, refunds and certification register entries to the central server.

Outbox kinds (written by ``kiosk.storage.money`` and ``kiosk.storage.register`` in the same
transaction as the row they describe): ``receipt.issue`` → ``PUT /v1/receipts/{id}``,
``receipt.void`` → ``POST /v1/receipts/{id}/void``, ``receipt.refund`` →
``PUT /v1/refunds/{id}``, ``register.entry`` → ``PUT /v1/register/{id}``. Each carries the
outbox row's id as its Idempotency-Key and waits behind its dossier's own operations (the
engine pushes one dossier's items in order), so the server has the dossier first. The answer
is checked before it is taken: a receipt's acknowledgement must name the receipt and carry
the provider's look-up code, which is stored on the receipt in the same transaction as the
outbox row's "done".
"""

from __future__ import annotations

from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from kiosk.i18n import _
from kiosk.storage import money as money_db
from kiosk.storage import outbox
from kiosk.sync.errors import BadResponse

KINDS = ("receipt.issue", "receipt.void", "receipt.refund", "register.entry")


class _Answer(BaseModel):
    # Strict, as every answer the client takes (kiosk.sync.wire): "1" is not 1.
    model_config = ConfigDict(strict=True, extra="ignore")


class ReceiptAck(_Answer):
    id: str = Field(min_length=1, max_length=100)
    stored: bool
    lookup_code: str | None = Field(default=None, min_length=1, max_length=100)
    provider: str | None = Field(default=None, max_length=100)


class StoredAck(_Answer):
    id: str = Field(min_length=1, max_length=100)
    stored: bool = True
    voided: bool = False


A = TypeVar("A", bound=_Answer)


def parse(r: httpx.Response, model: type[A], what: str) -> A:
    """The answer as ``model``, or :class:`BadResponse` (retried): JSON, and the shape the
    protocol promises, or it is not the server's answer."""
    kind = r.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if kind != "application/json":
        raise BadResponse(_("{what}: kiểu nội dung «{kind}» thay vì JSON", what=what,
                            kind=kind[:60] or "?"))
    try:
        return model.model_validate_json(r.content)
    except ValidationError:
        raise BadResponse(_("{what}: nội dung không hợp lệ", what=what)) from None


def request(item: dict[str, Any]) -> tuple[str, str, dict[str, Any], str]:
    """(method, path, body, id the answer must name) for an outbox item."""
    kind, payload = item["kind"], dict(item["payload"])
    if kind == "receipt.issue":
        rid = payload.pop("id")
        return "PUT", f"/v1/receipts/{rid}", payload, rid
    if kind == "receipt.void":
        rid = payload.pop("id")
        return "POST", f"/v1/receipts/{rid}/void", payload, rid
    if kind == "receipt.refund":
        rid = payload.pop("id")
        payload.pop("handover_id", None)
        return "PUT", f"/v1/refunds/{rid}", payload, rid
    rid = payload.pop("id")
    payload.pop("output_sha256", None)
    return "PUT", f"/v1/register/{rid}", payload, rid


def push(engine: Any, item: dict[str, Any]) -> None:
    """One attempt; an HTTP error goes through the engine's classification (retry/person)."""
    method, path, body, rid = request(item)
    r = engine.http.request(method, path, json=body,
                            headers={**engine._headers(), "Idempotency-Key": item["id"]})
    if r.status_code not in (200, 201):
        engine._classify(r)
        raise BadResponse(_("{what}: trả lời {status}", what=path, status=r.status_code))
    if item["kind"] == "receipt.issue":
        ack = parse(r, ReceiptAck, f"PUT {path}")
        receipt_kind = item["payload"].get("kind")
        if ack.id != rid or not ack.stored or (receipt_kind == "receipt" and not ack.lookup_code):
            raise BadResponse(_("{what}: xác nhận không đúng biên lai hoặc thiếu mã tra cứu",
                                what=path))
        answer = ack.model_dump()

        def done(db: Any) -> None:
            with db.atomic():
                if ack.lookup_code:
                    money_db.set_lookup(db, rid, ack.lookup_code, ack.provider or "")
                outbox.mark_done(db, item["id"], answer)

        engine.store.call(done)
        return
    stored = parse(r, StoredAck, f"{method} {path}")
    if stored.id != rid:
        raise BadResponse(_("{what}: xác nhận cho bản ghi khác", what=path))
    engine.store.mark_outbox_done(item["id"], stored.model_dump())
