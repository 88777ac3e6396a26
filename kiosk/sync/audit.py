"""The end-to-end audit: does the server really hold what this counter believes it delivered?

An acknowledgement only proves that *something* answered 2xx. A proxy that acknowledges
without forwarding, or a server restored from an old backup, leaves dossiers marked sent that
the server does not have. Periodically (``sync.audit_interval_hours``, after a clean pass) and
on demand (``kiosk sync audit``), the counter asks ``GET /v1/audit?day=…`` for each day —
the server's codes, versions and page hashes for the device's own unit, and whether each
page's bytes are stored — and queues again whatever is missing:

- a dossier the server does not have, or has at an older version than the counter was
  told: its acknowledged operations go back to waiting, in their order, with their own
  Idempotency-Keys (the server either never stored them, or answers the stored reply), from
  the server's version on; operations already pruned are replaced by one upsert of the
  whole record;
- a page whose bytes the server lacks: an upsert listing those pages (the blob HEAD finds
  them missing, the tus upload sends them; the record push is idempotent).

A day is matched by the date inside the dossier codes, which both sides read the same way
(no clock involved). The result is kept in ``sync_meta`` (``last_audit``) for ``kiosk sync
status`` and Home.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from functools import partial
from typing import Any

from kiosk.clock import iso, now, parse_iso, to_local
from kiosk.i18n import _
from kiosk.storage import outbox
from kiosk.storage.sqlite import Database
from kiosk.sync import state, wire
from kiosk.sync.errors import BadResponse, Retry

#: A day's audit answer may be large (a busy unit, many pages): read up to this much.
AUDIT_MAX_BYTES = 64 << 20


def recent_days(n: int, today: date | None = None) -> list[date]:
    """Today and the ``n - 1`` days before it, newest first."""
    today = today or to_local(now()).date()
    return [today - timedelta(days=i) for i in range(max(1, n))]


def audit_due(db: Database, every_hours: float) -> bool:
    last = last_audit(db)
    if not last or not isinstance(last.get("at"), str):
        return True
    try:
        at = parse_iso(last["at"])
    except ValueError:
        return True
    return (now() - at).total_seconds() >= every_hours * 3600 or at > now()


def last_audit(db: Database) -> dict[str, Any] | None:
    raw = state.get_meta(db, "last_audit")
    try:
        value = json.loads(raw) if raw else None
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def run_audit(engine: Any, days: list[date]) -> dict[str, Any]:
    """Audit each day against the server; returns (and keeps) the result."""
    engine.store.call(state.ensure_tables)
    per_day = []
    for day in days:
        r = engine.http.get("/v1/audit", params={"day": day.isoformat()},
                            headers=engine._headers(), extensions={"max_bytes": AUDIT_MAX_BYTES})
        if r.status_code == 404 and wire.error_code(r) in ("", "not_found"):
            raise Retry(_("Máy chủ chưa hỗ trợ đối chiếu (GET /v1/audit); cần cập nhật máy "
                          "chủ."))
        if r.status_code != 200:
            engine._classify(r)
        answer = wire.parse(r, wire.AuditDay, "GET /v1/audit")
        if answer.day != day:
            raise BadResponse(_("GET /v1/audit: trả lời cho ngày khác ({day})",
                                day=answer.day.isoformat()))
        per_day.append(engine.store.call(partial(compare_day, day=day, server=answer)))
    keys = ("believed_delivered", "on_server", "missing", "version_mismatch",
            "missing_blobs", "requeued", "waiting")
    totals = {k: sum(int(d[k]) for d in per_day) for k in keys}
    result: dict[str, Any] = {
        "at": iso(now()), "days": per_day, "totals": totals,
        "ok": not (totals["missing"] or totals["version_mismatch"] or totals["missing_blobs"])}

    def keep(db: Database) -> None:
        with db.atomic():
            state.set_meta(db, "last_audit", json.dumps(result, ensure_ascii=False))

    engine.store.call(keep)
    if totals["requeued"]:
        engine._emit(kind="audit", **totals)
    return result


def compare_day(db: Database, day: date, server: wire.AuditDay) -> dict[str, Any]:
    """One day: what this counter believes delivered against the server's list; queue
    again what is missing. Idempotent: a dossier already waiting to be sent is left alone."""
    on_server = {d.id: d for d in server.dossiers}
    local = db.execute(
        "SELECT d.id, d.code, s.server_version FROM dossiers d "
        "LEFT JOIN sync_dossiers s ON s.dossier_id = d.id WHERE d.code LIKE ? ORDER BY d.code",
        (f"%-{day:%y%m%d}-%",)).fetchall()
    out: dict[str, Any] = {"day": day.isoformat(), "believed_delivered": 0, "on_server": 0,
                           "missing": 0, "version_mismatch": 0, "missing_blobs": 0,
                           "requeued": 0, "waiting": 0, "codes": []}
    with db.atomic():
        for dossier_id, code, believed in local:
            if believed is None or _unsent(db, dossier_id):
                out["waiting"] += 1  # not delivered yet, or on its way: nothing to judge
                continue
            out["believed_delivered"] += 1
            held = on_server.get(dossier_id)
            if held is None:
                out["missing"] += 1
                out["codes"].append({"code": code, "problem": "missing"})
                out["requeued"] += _send_again(db, dossier_id, from_version=0)
                continue
            out["on_server"] += 1
            if held.server_version < int(believed):
                out["version_mismatch"] += 1
                out["codes"].append({"code": code, "problem": "version_mismatch",
                                     "server_version": held.server_version,
                                     "believed_version": int(believed)})
                out["requeued"] += _send_again(db, dossier_id, from_version=held.server_version)
                continue
            stored = {p.sha256 for p in held.pages if p.present}
            lacking = [s for s in _local_pages(db, dossier_id) if s not in stored]
            if lacking:
                out["missing_blobs"] += len(lacking)
                out["codes"].append({"code": code, "problem": "missing_blobs",
                                     "pages": len(lacking)})
                out["requeued"] += _send_pages_again(db, dossier_id, lacking)
    out["codes"] = out["codes"][:200]
    return out


def _unsent(db: Database, dossier_id: str) -> bool:
    return db.execute("SELECT 1 FROM outbox WHERE dossier_id = ? AND state IN ('pending', "
                      "'in_flight') LIMIT 1", (dossier_id,)).fetchone() is not None


def _local_pages(db: Database, dossier_id: str) -> list[str]:
    return [r[0] for r in db.execute(
        "SELECT DISTINCT p.sha256 FROM pages p JOIN components c ON c.id = p.component_id "
        "WHERE c.dossier_id = ? ORDER BY p.sha256", (dossier_id,)).fetchall()]


def _send_again(db: Database, dossier_id: str, from_version: int) -> int:
    """Put the dossier's acknowledged operations after ``from_version`` back to waiting, in
    their order and under their own keys; the counter's known server version goes back to
    the server's. Returns how many operations wait again."""
    ops = db.execute(
        "SELECT id, kind, response FROM outbox WHERE dossier_id = ? AND state = 'done' "
        "AND kind IN ('dossier.upsert', 'dossier.status') ORDER BY id", (dossier_id,)
    ).fetchall()
    again = [op_id for op_id, _kind, response in ops
             if _acked_version(response) > from_version]
    if from_version == 0:
        db.conn.execute("DELETE FROM sync_dossiers WHERE dossier_id = ?", (dossier_id,))
    else:
        db.conn.execute("UPDATE sync_dossiers SET server_version = ? WHERE dossier_id = ?",
                        (from_version, dossier_id))
    creation_kept = any(kind == "dossier.upsert" and op_id in again
                        for op_id, kind, _r in ops) if from_version == 0 else bool(again)
    if not creation_kept:
        # The operations were pruned long ago: one upsert of the whole record stands for
        # the history (created at its present status, or updated over the server's).
        from kiosk.storage.records import dossier_record, page_hashes

        record = dossier_record(db, dossier_id, with_procedure=False)
        outbox.enqueue(db, "dossier.upsert", dossier_id, record, page_hashes(record))
        return 1
    for op_id in again:
        db.conn.execute("UPDATE outbox SET state = 'pending', next_attempt_at = ?, "
                        "response = NULL, last_error = ? WHERE id = ?",
                        (iso(now()), _("Máy chủ không có bản đã gửi; gửi lại (đối chiếu)."),
                         op_id))
        db.conn.execute("UPDATE outbox_blobs SET state = 'pending' WHERE operation_id = ?",
                        (op_id,))
        db.conn.execute("DELETE FROM sync_requests WHERE operation_id = ?", (op_id,))
    return len(again)


def _send_pages_again(db: Database, dossier_id: str, shas: list[str]) -> int:
    from kiosk.storage.records import dossier_record

    record = dossier_record(db, dossier_id, with_procedure=False)
    outbox.enqueue(db, "dossier.upsert", dossier_id, record, shas)
    return 1


def _acked_version(response: str | None) -> int:
    try:
        value = json.loads(response or "{}").get("server_version")
    except (ValueError, AttributeError):
        return 0
    return value if isinstance(value, int) and not isinstance(value, bool) else 0
