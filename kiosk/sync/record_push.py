"""The record push: ``PUT /v1/dossiers/{id}`` under the operation's Idempotency-Key.

The body is frozen before the first PUT (every retry under one key is byte-identical); a
``409 stale_version`` rebases it on the server's state (resolve by server version, SYNC.md);
the ack is stored with the outbox state in one transaction.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from kiosk.i18n import _
from kiosk.storage import late
from kiosk.sync import server_state, state, wire
from kiosk.sync.crash import crashpoint
from kiosk.sync.errors import BadResponse, NeedsPerson, Retry
from kiosk.sync.payload import dossier_body

#: Outbox kinds this client sends (both become a PUT of the whole dossier).
KINDS = ("dossier.upsert", "dossier.status")


def request_body(engine: Any, item: dict[str, Any]) -> dict[str, Any]:
    op_id, dossier_id = item["id"], item["dossier_id"]
    frozen = engine.store.read(lambda db: state.frozen_body(db, op_id))
    if frozen is not None:
        return frozen
    if item["kind"] not in KINDS:
        # A newer storage layer queued something this client cannot send: keep it.
        raise NeedsPerson(_("Không biết cách gửi thao tác loại {kind}.", kind=item["kind"]))
    from kiosk.storage.records import dossier_record

    def build(db: Any) -> dict[str, Any]:
        record = dossier_record(db, dossier_id)
        base = state.server_version(db, dossier_id)
        if item["kind"] == "dossier.status":
            status = item["payload"].get("to", record["status"])
        elif item.get("_server_status") is not None:
            # Rebased on the server's newer state: an upsert carries the citizen's data,
            # never a status step of its own.
            status = item["_server_status"]
        elif later_status_ops(db, op_id, dossier_id):
            # Replaying a history queued offline: this upsert carries the status it was
            # queued at; the status operations after it make each step in order.
            status = item["payload"].get("status", record["status"])
        else:
            # In conflict, the server's status stands until a person settles it.
            status = server_state.conflict_status(db, dossier_id) or record["status"]
        body = dossier_body(record, status, base)
        if item["kind"] == "dossier.status":
            body["status_note"] = str(item["payload"].get("note") or "")
        return body

    body = engine.store.read(build)
    engine.store.call(lambda db: state.freeze_body(db, op_id, body))
    return body


def _text(err: dict[str, Any], key: str) -> str:
    value = err.get(key)
    return value[:500] if isinstance(value, str) else ""


def put_record(engine: Any, item: dict[str, Any]) -> None:
    op_id, dossier_id = item["id"], item["dossier_id"]
    for _rebase in range(3):
        body = request_body(engine, item)
        r = engine.http.put(f"/v1/dossiers/{dossier_id}", json=body,
                          headers={**engine._headers(), "Idempotency-Key": op_id})
        crashpoint("record_sent")
        if r.status_code in (200, 201):
            parsed = wire.parse(r, wire.Ack, "PUT dossier")
            if parsed.id != dossier_id:
                raise BadResponse(_("PUT dossier: xác nhận cho hồ sơ khác ({id})",
                                    id=parsed.id[:40]))
            ack: dict[str, Any] = r.json()  # stored whole, as the server sent it
            engine.store.call(partial(state.acknowledge, op_id=op_id, dossier_id=dossier_id,
                                    ack=ack))
            crashpoint("ack_stored")
            return
        err = wire.error_body(r)
        if r.status_code == 409 and err.get("error") == "stale_version" and err.get("current"):
            current = wire.validate(err["current"], wire.DossierCurrent, "PUT dossier 409")
            if current.id != dossier_id:
                raise BadResponse(_("PUT dossier: «current» của hồ sơ khác"))
            rebase(engine, item, current.model_dump())
            if item.get("_settled"):
                return
            continue
        if r.status_code == 409 and err.get("error") == "missing_blobs":
            raw = err.get("missing")
            missing = {m for m in raw if isinstance(m, str)} if isinstance(raw, list) else set()
            for sha in missing & {b["sha256"] for b in item["blobs"]}:
                engine.store.set_blob_upload(op_id, sha, uploaded=False)
            # Pages added after this operation was queued (a supplement received before the
            # dossier was first sent): its frozen body names them, so they go with it.
            unknown = sorted(missing - {b["sha256"] for b in item["blobs"]})
            if unknown:
                from kiosk.storage import outbox

                engine.store.call(partial(outbox.add_blobs, op_id=op_id, shas=unknown))
        if r.status_code == 422 and err.get("error") == "invalid_transition":
            # The counter's step cannot follow the server's status: both sides moved apart.
            # The step is parked for a person; the divergence is a conflict an admin sees.
            server = err.get("current")
            if type(server) is int and 1 <= server <= 10:
                engine.store.call(partial(server_state.refused_step, dossier_id=dossier_id,
                                          server_status=server, note=_text(err, "message")))
        engine._classify(r)
    raise Retry(_("Hồ sơ liên tục thay đổi trên máy chủ; sẽ thử lại."))


def rebase(engine: Any, item: dict[str, Any], current: dict[str, Any]) -> None:
    """The server moved on (resolve by server version): base the request on its state.

    The counter's own status step keeps its target (the server checks the step from its
    status); an upsert takes the server's status, which the local dossier follows too
    when no step of the counter's is waiting — checked against the status machine like
    any pulled change, never written back as the counter's."""
    op_id, dossier_id = item["id"], item["dossier_id"]
    server_status, version = int(current["status"]), int(current["server_version"])
    is_step = item["kind"] == "dossier.status"

    def apply(db: Any) -> None:
        with db.atomic():
            late.apply_remote(db, dossier_id, list(current.get("postponements") or []))
            if not is_step and not later_status_ops(db, op_id, dossier_id):
                server_state.apply_server_state(db, dossier_id, server_status, version,
                                                None)
            state.set_server_version(db, dossier_id, version, None)
            db.conn.execute("DELETE FROM sync_requests WHERE operation_id = ?", (op_id,))

    engine.store.call(apply)
    item["_server_status"] = None if is_step else server_status
    if is_step and server_status == int(item["payload"].get("to", -1)):
        ack = {"id": dossier_id, "server_version": version, "server_seq": 0,
               "status": server_status, "settled_by_server": True}
        engine.store.call(lambda db: state.acknowledge(db, op_id, dossier_id, ack))
        item["_settled"] = True


def later_status_ops(db: Any, op_id: str, dossier_id: str) -> bool:
    return db.execute(
        "SELECT 1 FROM outbox WHERE dossier_id = ? AND kind = 'dossier.status' AND id > ? "
        "AND state IN ('pending', 'in_flight', 'needs_attention') LIMIT 1",
        (dossier_id, op_id)).fetchone() is not None
