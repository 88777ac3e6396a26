"""The citizen screen's outbox kinds: a satisfaction rating (``citizen.rating``) to
``PUT /v1/ratings/{id}``, and a queue ticket numbered offline (``queue.ticket``) to
``PUT /v1/queue/tickets/{id}``.

The rating's id is its idempotency key on the server; the outbox item waits behind its
dossier's own operations (the engine pushes one dossier's items in order), so the server
already has the dossier when the rating arrives. A ticket's every state goes up in order
(issued, called, done); the server keeps the latest, so a repeat is harmless. Its transfer
and booking go only to a server that says it takes them.
"""

from __future__ import annotations

from typing import Any

from kiosk.sync.errors import Retry

KIND = "citizen.rating"
TICKET_KIND = "queue.ticket"  # kiosk.storage.citizen.TICKET_KIND
TICKET_FIELDS = ("day", "service", "number", "label", "issued_counter", "taken_at",
                  "called_at", "called_counter", "called_by", "finished_at", "state",
                  "priority", "recalls")
#: A transfer and a checked-in booking, sent only to a server whose /v1/health lists this
#: feature (central.models.TICKET_MARKS_FEATURE): an older server refuses unknown keys, and
#: a counter is often updated before its province's server.
TICKET_MARKS_FEATURE = "offline-ticket-marks"
TICKET_MARKS = ("moved_from", "booked_until")
_FIELDS = ("dossier_id", "code", "occasion", "level", "reason", "clerk", "procedure_code",
           "counter", "at")


def rating_body(payload: dict[str, Any]) -> dict[str, Any]:
    return {k: payload[k] for k in _FIELDS if k in payload}


def put_rating(engine: Any, item: dict[str, Any]) -> None:
    """One attempt; HTTP errors go through the engine's classification (retry / person)."""
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


def put_ticket(engine: Any, item: dict[str, Any]) -> None:
    """One attempt to store an offline ticket's latest known state on the server."""
    ticket = item["payload"]
    body = {k: ticket.get(k) for k in TICKET_FIELDS}
    if TICKET_MARKS_FEATURE in engine.server_features:
        body.update({k: ticket.get(k) for k in TICKET_MARKS})
    r = engine.http.put(f"/v1/queue/tickets/{ticket['id']}", json=body,
                        headers={**engine._headers(), "Idempotency-Key": item["id"]})
    if r.status_code in (200, 201):
        try:
            ack = r.json()
        except ValueError:
            raise Retry("invalid ticket ack") from None
        if not isinstance(ack, dict) or ack.get("id") != ticket["id"] or not ack.get("stored"):
            raise Retry("invalid ticket ack")
        engine.store.mark_outbox_done(item["id"], ack)
        return
    engine._classify(r)
