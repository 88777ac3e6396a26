"""The national portal's outbox on the central database (issue 25 §4).

Every version of a dossier the server stores becomes a ``DongBoHoSoMC`` item, and every
version whose status differs from the one before also a ``CapNhatTienDoHoSoMC`` item, written
in the transaction that stores the version: a version the server acknowledged is never lost
to the portal, and one rolled back is never sent. Each item carries its payload as the
dossier was at that version (a snapshot), so a late push still tells the portal what happened
in order. :mod:`central.portal_push` sends them.
"""

from __future__ import annotations

import json
from typing import Any

from central.db import Database, Tx
from central.portal import (
    export_dossier,
    fees_in,
    portal_time,
    result_hashes_in,
    results_in,
)
from kiosk import clock

DONGBO = "DongBoHoSoMC"
TIENDO = "CapNhatTienDoHoSoMC"

#: Item states: ``pending`` (due at ``next_at``; a claimed item's ``next_at`` is its lease),
#: ``done`` (the portal said error_code 0), ``failed`` (the portal refused it, or it ran out
#: of tries: a person looks at ``answer``).
STATES = ("pending", "done", "failed")

STATUS_NAMES = {1: "Mới đăng ký", 2: "Được tiếp nhận", 3: "Không được tiếp nhận",
                4: "Đang xử lý", 5: "Yêu cầu bổ sung", 6: "Yêu cầu nghĩa vụ tài chính",
                7: "Công dân rút hồ sơ", 8: "Dừng xử lý", 9: "Đã xử lý xong",
                10: "Đã trả kết quả"}


def snapshot(tx: Tx, state: dict[str, Any]) -> dict[str, Any]:
    """The ``DongBoHoSoMC`` item of the dossier in ``state`` as stored in this transaction
    (``state`` is :func:`central.service.dossier_state`'s, with the transaction)."""
    return export_dossier(state, fees=fees_in(tx, state["id"]),
                          results=results_in(tx, state["id"], "/v1/blobs/{sha256}"),
                          result_hashes=result_hashes_in(tx, state))


def progress_item(state: dict[str, Any], note: str = "", by: str = "") -> dict[str, Any]:
    """The ``CapNhatTienDoHoSoMC`` item for the status the dossier has now (DOMAIN-2 §5)."""
    body = state["dossier"]
    status = int(state["status"])
    return {
        "MaHoSo": state["code"],
        "NguoiXuLy": by or body.get("entered_by") or "",
        "ChucDanh": "",
        "ThoiDiemXuLy": portal_time(state["updated_at"]),
        "PhongBanXuLy": state["unit_code"],
        "NoiDungXuLy": note or STATUS_NAMES.get(status, ""),
        "TrangThai": str(status),
        "NgayBatDau": portal_time(body.get("received_at")),
        "NgayKetThucTheoQuyDinh": portal_time(body.get("legal_due_at") or body.get("due_at")),
    }


def enqueue(tx: Tx, state: dict[str, Any], *, note: str = "", by: str = "") -> int:
    """Queue what the dossier's current version owes the portal; call it in the
    transaction that stored the version, after the write. Returns the items queued."""
    version = int(state["server_version"])
    now = clock.iso(clock.now())
    before = tx.one("SELECT payload FROM portal_outbox WHERE dossier_id = ? AND service = ?"
                    " AND version < ? ORDER BY version DESC LIMIT 1",
                    (state["id"], DONGBO, version))
    item = snapshot(tx, state)
    old = json.loads(before["payload"]) if before else None
    # A version that changes nothing the portal sees (a pause's note, a signature verdict)
    # owes it nothing.
    items = [] if old == json.loads(json.dumps(item)) else [(DONGBO, item)]
    old_status = old.get("TrangThaiHoSo") if old else None
    if old_status is not None and old_status != state["status"]:
        items += [(TIENDO, step) for step in progress_steps(state, int(old_status), note, by)]
    for step, (service_name, payload) in enumerate(items):
        # A version already queued is not queued again: when the dossier's rows went back
        # without the outbox (a restored table), the counters re-send versions the portal
        # was already given, and refusing their write would stop their sync for good.
        tx.execute(
            "INSERT INTO portal_outbox (dossier_id, code, unit_code, version, service, step,"
            " payload, next_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (dossier_id, version, service, step) DO NOTHING",
            (state["id"], state["code"], state["unit_code"], version, service_name, step,
             json.dumps(payload, ensure_ascii=False, sort_keys=True), now, now))
    return len(items)


def progress_steps(state: dict[str, Any], old_status: int, note: str = "", by: str = ""
                   ) -> list[dict[str, Any]]:
    """One ``CapNhatTienDoHoSoMC`` per status the dossier went through since the portal last
    heard of it: a counter that was offline sends 2 → 4 → 9 in one version, and its
    ``history`` (the counter's times) still tells each step; the last one is now's."""
    history = [h for h in state["dossier"].get("history") or []
               if isinstance(h, dict) and isinstance(h.get("status"), int)]
    last_old = max((i for i, h in enumerate(history) if h["status"] == old_status),
                   default=None)
    steps = []
    final = progress_item(state, note, by)
    if last_old is not None:
        for h in history[last_old + 1:]:
            if h["status"] == state["status"]:
                final["ThoiDiemXuLy"] = portal_time(h.get("at")) or final["ThoiDiemXuLy"]
                break
            steps.append({**progress_item(state), "TrangThai": str(h["status"]),
                          "ThoiDiemXuLy": portal_time(h.get("at")),
                          "NoiDungXuLy": STATUS_NAMES.get(h["status"], "")})
    return [*steps, final]


# --- what a person sees -----------------------------------------------------------------

def _public(row: dict[str, Any]) -> dict[str, Any]:
    answer = row.get("answer")
    try:
        parsed: Any = json.loads(answer) if answer else None
    except ValueError:
        parsed = answer
    return {"id": int(row["id"]), "code": row["code"], "unit": row["unit_code"],
            "version": int(row["version"]), "service": row["service"], "state": row["state"],
            "attempts": int(row["attempts"]), "answer": parsed,
            "last_error": row.get("last_error"), "created_at": row["created_at"],
            "sent_at": row.get("sent_at"), "failed_at": row.get("failed_at")}


def failed(db: Database, unit: str | None = None) -> list[dict[str, Any]]:
    """Items that need a person, oldest first, with the portal's answer."""
    sql = "SELECT * FROM portal_outbox WHERE state = 'failed'"
    params: tuple[Any, ...] = ()
    if unit:
        sql += " AND unit_code = ?"
        params = (unit,)
    with db.transaction(write=False) as tx:
        return [_public(r) for r in tx.all(sql + " ORDER BY id", params)]


def items(db: Database, code: str | None = None) -> list[dict[str, Any]]:
    """Every item (of one dossier when ``code`` is given), in queue order."""
    with db.transaction(write=False) as tx:
        rows = tx.all("SELECT * FROM portal_outbox" + (" WHERE code = ?" if code else "")
                      + " ORDER BY id", (code,) if code else ())
    return [_public(r) for r in rows]


def counts(db: Database, unit: str | None = None) -> dict[str, int]:
    where, params = (" WHERE unit_code = ?", (unit,)) if unit else ("", ())
    with db.transaction(write=False) as tx:
        rows = tx.all(f"SELECT state, count(*) AS n FROM portal_outbox{where} GROUP BY state",
                      params)
    out = dict.fromkeys(STATES, 0)
    out.update({r["state"]: int(r["n"]) for r in rows})
    return out


def retry(db: Database, item_id: int) -> dict[str, Any] | None:
    """A person sends a failed item again (after the portal or the data was put right)."""
    now = clock.iso(clock.now())
    with db.transaction() as tx:
        n = tx.execute("UPDATE portal_outbox SET state = 'pending', attempts = 0, next_at = ?,"
                       " failed_at = NULL WHERE id = ? AND state = 'failed'", (now, item_id))
        row = tx.one("SELECT * FROM portal_outbox WHERE id = ?", (item_id,))
    if row is None:
        return None
    return {**_public(row), "requeued": bool(n)}


def retry_all(db: Database, unit: str | None = None) -> list[dict[str, Any]]:
    """Every failed item (of one unit) sent again, e.g. after the portal's settings or its
    catalog were put right."""
    return [item for f in failed(db, unit) if (item := retry(db, f["id"])) is not None]
