"""Sending a satisfaction rating (outbox kind ``citizen.rating``) to ``PUT /v1/ratings/{id}``.

The rating's id is its idempotency key on the server; the outbox item waits behind its
dossier's own operations (the engine pushes one dossier's items in order), so the server
already has the dossier when the rating arrives.
"""

from __future__ import annotations

from typing import Any

KIND = "citizen.rating"
_FIELDS = ("dossier_id", "code", "occasion", "level", "reason", "clerk", "procedure_code",
           "counter", "at")


def rating_body(payload: dict[str, Any]) -> dict[str, Any]:
    return {k: payload[k] for k in _FIELDS if k in payload}


def put_rating(engine: Any, item: dict[str, Any]) -> None:
    """One attempt; HTTP errors go through the engine's classification (retry / person)."""
    from kiosk.sync.engine import Retry

    payload = item["payload"]
    r = engine.http.put(f"/v1/ratings/{payload['id']}", json=rating_body(payload),
                        headers={**engine._headers(), "Idempotency-Key": item["id"]})
    if r.status_code in (200, 201):
        try:
            ack = r.json()
        except ValueError:
            raise Retry("invalid rating ack") from None
        if not isinstance(ack, dict) or ack.get("id") != payload["id"] or not ack.get("stored"):
            raise Retry("invalid rating ack")
        engine.store.mark_outbox_done(item["id"], ack)
        return
    engine._classify(r)
