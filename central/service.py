"""The server's business rules, independent of HTTP (SYNC.md "Server side").

Every function takes a :class:`central.db.Database` and commits its write together with
what proves it happened (the stored idempotent response, the change-feed event) in one
transaction.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from central import groups, portal_outbox, report_facts, signatures
from central.audit import attach_operations, record_operation
from central.common import ApiError, Device
from central.db import Database, IntegrityError, Tx
from central.letters import change_details, letters, merge_letters
from central.models import DossierIn
from central.results_feed import attach_results
from central.uploads import owned
from kiosk import clock
from kiosk.i18n import _

#: Idempotency keys outlive any plausible offline period (SYNC.md server rule 5).
IDEMPOTENCY_TTL = timedelta(days=400)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _now() -> str:
    return clock.iso(clock.now())


# --- devices ----------------------------------------------------------------------------

def new_token() -> str:
    """A device token that never begins with ``-``: it is passed as ``--token TOKEN``."""
    while True:
        token = secrets.token_urlsafe(32)
        if not token.startswith("-"):
            return token


def add_device(db: Database, unit_code: str, name: str = "", role: str = "device",
               expires_at: str | None = None) -> dict[str, str]:
    """Create a device (or an admin) and return its token; only its hash is stored.
    ``expires_at`` (ISO time): the token is refused from then on."""
    token = new_token()
    device_id = str(uuid.uuid4())
    with db.transaction() as tx:
        tx.execute(
            "INSERT INTO devices (id, unit_code, name, role, token_sha256, created_at,"
            " expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (device_id, unit_code, name, role, token_hash(token), _now(), expires_at),
        )
    out = {"device_id": device_id, "unit_code": unit_code, "token": token}
    return out | ({"expires_at": expires_at} if expires_at else {})


#: ``Kiosk-Machine``: what the counter sends (kiosk.sync.machine), a sha256 in hex.
MACHINE_PATTERN = r"^[0-9a-f]{64}$"
#: ``last_seen_at`` is written at most this often per device (a write per request is not).
LAST_SEEN_EVERY = timedelta(minutes=1)


def _refused(code: str, message: str) -> ApiError:
    return ApiError(401, code, message, headers={"WWW-Authenticate": "Bearer"})


def authenticate(db: Database, token: str, machine: str | None = None) -> Device:
    """The device holding ``token``, or a 401 saying why not (unknown, revoked, expired,
    bound to another machine).

    A device token is bound to the first machine that names itself (``Kiosk-Machine``, sent
    by every counter request, enrolment included): from then on only that machine may use
    it, and a request that names no machine is refused too. Admin tokens (scripts and tools
    at the province) are not bound.
    """
    if machine is not None and not re.fullmatch(MACHINE_PATTERN, machine):
        raise _refused("machine_invalid", _("Tiêu đề Kiosk-Machine không hợp lệ."))
    now = clock.now()
    # Read on every request, never cached: a revocation from the province's page holds on
    # the counter's next request, whichever server process answers it.
    row = db.read_one("SELECT id, unit_code, role, revoked, expires_at, machine_id,"
                      " last_seen_at FROM devices WHERE token_sha256 = ?", (token_hash(token),))
    if row is None:
        raise _refused("unauthorized",
                       _("Thiết bị chưa đăng ký hoặc mã truy cập không đúng."))
    if row["revoked"]:
        raise _refused("token_revoked", _("Mã truy cập của thiết bị này đã bị thu hồi."))
    if row["expires_at"] and clock.parse_iso(row["expires_at"]) <= now:
        raise _refused("token_expired", _("Mã truy cập của thiết bị này đã hết hạn."))
    device = Device(row["id"], row["unit_code"], row["role"])
    bind = False
    if row["role"] == "device":
        if row["machine_id"] is None:
            bind = machine is not None
        elif machine != row["machine_id"]:
            raise _refused("machine_mismatch",
                           _("Mã truy cập này đã được dùng trên một máy khác; mỗi mã chỉ dùng "
                             "cho một máy."))
    seen = row["last_seen_at"]
    if bind or seen is None or clock.parse_iso(seen) <= now - LAST_SEEN_EVERY:
        with db.transaction() as tx:
            if bind and tx.execute(
                    "UPDATE devices SET machine_id = ?, bound_at = coalesce(bound_at, ?) WHERE id = ?"
                    " AND (machine_id IS NULL OR machine_id = ?)",
                    (machine, clock.iso(now), row["id"], machine)) == 0:
                # Another machine bound it a moment ago (the same machine's parallel
                # first requests both get here: the second finds its own id and goes on).
                raise _refused("machine_mismatch",
                               _("Mã truy cập này đã được dùng trên một máy khác; mỗi mã chỉ "
                                 "dùng cho một máy."))
            tx.execute("UPDATE devices SET last_seen_at = ? WHERE id = ?",
                       (clock.iso(now), row["id"]))
    return device


DEVICE_COLUMNS = ("id", "unit_code", "name", "role", "created_at", "last_seen_at",
                  "machine_id", "bound_at", "expires_at", "revoked", "revoked_at")


def list_devices(db: Database) -> list[dict[str, Any]]:
    with db.transaction(write=False) as tx:
        rows = tx.all(f"SELECT {', '.join(DEVICE_COLUMNS)} FROM devices"
                      " ORDER BY unit_code, created_at, id")
    return [{**r, "revoked": bool(r["revoked"])} for r in rows]


def revoke_device(db: Database, device_id: str) -> dict[str, Any] | None:
    """Revoke a token (its next request is refused); None when no device has that id."""
    with db.transaction() as tx:
        tx.execute("UPDATE devices SET revoked = 1, revoked_at = ? WHERE id = ?"
                   " AND revoked = 0", (_now(), device_id))
        row = tx.one(f"SELECT {', '.join(DEVICE_COLUMNS)} FROM devices WHERE id = ?",
                     (device_id,))
    return {**row, "revoked": bool(row["revoked"])} if row else None


# --- dossiers ---------------------------------------------------------------------------

def _page_hashes(body: DossierIn) -> list[str]:
    return sorted({p.sha256 for c in body.components for p in c.pages})


def _check_transition(old: int, new: int, note: str = "") -> None:
    from kiosk.dossier import Status, check_transition
    from kiosk.errors import KioskError

    try:
        check_transition(Status(old), Status(new), note or None)
    except KioskError as exc:
        raise ApiError(422, "invalid_transition", exc.message, current=old, requested=new) from exc


def _stored_reply(stored: dict[str, Any], request_sha: str) -> tuple[int, dict[str, Any]]:
    if stored["request_sha256"] != request_sha:
        raise ApiError(
            422, "idempotency_key_reused",
            _("Khoá Idempotency-Key này đã dùng cho một yêu cầu khác."),
        )
    return int(stored["status_code"]), json.loads(stored["response"])


def put_dossier(
    db: Database, device: Device, dossier_id: str, op_key: str, body: DossierIn,
    *, verdicts: dict[str, dict[str, Any]] | None = None,
    extends: Callable[[str, str], bool] | None = None, require_trust: bool = True,
) -> tuple[int, dict[str, Any], bool]:
    """Create or update a dossier exactly once per ``op_key``.

    Returns ``(http status, response, replayed)``. The response and the write commit in one
    transaction, so a retry after a lost answer gets the same response (SYNC.md rule 1).
    """
    canonical = json.dumps(body.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
    request_sha = hashlib.sha256(f"{dossier_id}\n{canonical}".encode()).hexdigest()
    try:
        with db.transaction() as tx:
            # Concurrent retries of one operation wait here, then find the stored response.
            tx.lock(f"idem:{device.id}:{op_key}")
            stored = tx.one(
                "SELECT request_sha256, status_code, response FROM idempotency"
                " WHERE device_id = ? AND op_key = ?", (device.id, op_key))
            if stored is not None:
                return (*_stored_reply(stored, request_sha), True)
            status, response = _write_dossier(tx, device, dossier_id, body, canonical,
                                              verdicts, extends, require_trust)
            # The feed event says which request made it: the counter skips its own echo.
            record_operation(tx, int(response["server_seq"]), op_key)
            tx.execute(
                "INSERT INTO idempotency (device_id, op_key, request_sha256, status_code,"
                " response, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                (device.id, op_key, request_sha, status, json.dumps(response), _now()),
            )
            return status, response, False
    except IntegrityError:
        # A concurrent request with the same key or the same new dossier committed first.
        with db.transaction() as tx:
            stored = tx.one(
                "SELECT request_sha256, status_code, response FROM idempotency"
                " WHERE device_id = ? AND op_key = ?", (device.id, op_key))
        if stored is not None:
            return (*_stored_reply(stored, request_sha), True)
        raise ApiError(409, "conflict",
                       _("Hồ sơ đang được ghi bởi một yêu cầu khác; hãy thử lại.")) from None


def _write_dossier(
    tx: Tx, device: Device, dossier_id: str, body: DossierIn, canonical: str,
    verdicts: dict[str, dict[str, Any]] | None = None,
    extends: Callable[[str, str], bool] | None = None, require_trust: bool = True,
) -> tuple[int, dict[str, Any]]:
    from kiosk.dossier_code import parse_dossier_code

    unit = parse_dossier_code(body.code).unit_code
    if unit != device.unit_code:
        raise ApiError(403, "wrong_unit",
                       _("Thiết bị của đơn vị {unit} không được ghi hồ sơ {code}.",
                         unit=device.unit_code, code=body.code))
    hashes = _page_hashes(body)
    # A blob counts only once the unit proved it holds it (central/uploads.py); for a blob
    # another unit uploaded, the answer is the same as for one nobody did.
    have = owned(tx, device.unit_code, hashes)
    missing = [h for h in hashes if h not in have]
    if missing:
        raise ApiError(409, "missing_blobs",
                       _("Máy chủ chưa có {n} tệp của hồ sơ {code}.", n=len(missing),
                         code=body.code), missing=missing)
    now = _now()
    # Signature verdicts go onto the stored record's components (issue 14).
    problems: list[str] = []
    if verdicts is not None:
        stored = json.loads(canonical)
        problems = signatures.annotate(stored, verdicts, require_trust)
        if problems:
            stored["signature_problems"] = problems
        canonical = json.dumps(stored, sort_keys=True, ensure_ascii=False)
    existing = tx.one("SELECT * FROM dossiers WHERE id = ?" + tx.for_update(), (dossier_id,))
    if existing is None:
        if body.base_version:
            raise ApiError(409, "stale_version",
                           _("Máy chủ không có hồ sơ {code} ở phiên bản {v}.",
                             code=body.code, v=body.base_version), current=None)
        other = tx.one("SELECT id FROM dossiers WHERE code = ?", (body.code,))
        if other is not None:
            raise ApiError(409, "duplicate_code",
                           _("Mã hồ sơ {code} đã được dùng cho hồ sơ khác.", code=body.code))
        version, kind, http = 1, "created", 201
        tx.execute(
            "INSERT INTO dossiers (id, code, unit_code, device_id, status, server_version,"
            " body, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (dossier_id, body.code, unit, device.id, body.status, version, canonical, now, now),
        )
    else:
        if existing["unit_code"] != device.unit_code:
            raise ApiError(403, "wrong_unit",
                           _("Thiết bị của đơn vị {unit} không được ghi hồ sơ {code}.",
                             unit=device.unit_code, code=existing["code"]))
        if body.base_version != existing["server_version"]:
            raise ApiError(409, "stale_version",
                           _("Hồ sơ {code} đã thay đổi trên máy chủ (phiên bản {v}).",
                             code=existing["code"], v=existing["server_version"]),
                           current=dossier_state(existing, tx))
        if body.code != existing["code"]:
            raise ApiError(422, "code_changed",
                           _("Không được đổi mã hồ sơ {code}.", code=existing["code"]))
        old_pages = {r["sha256"] for r in tx.all(
            "SELECT sha256 FROM dossier_pages WHERE dossier_id = ?", (dossier_id,))}
        removed = old_pages - set(hashes)
        # A file may only be replaced by itself plus a later signature (signed after sync).
        if removed and not (extends is not None and all(
                any(extends(old, new) for new in set(hashes) - old_pages) for old in removed)):
            raise ApiError(422, "pages_removed",
                           _("Không được xoá trang đã gửi của hồ sơ {code}.", code=body.code))
        if body.status != existing["status"]:
            _check_transition(existing["status"], body.status, body.status_note)
        version, kind, http = existing["server_version"] + 1, "updated", 200
        tx.execute(
            "UPDATE dossiers SET status = ?, server_version = ?, body = ?, updated_at = ?"
            " WHERE id = ?", (body.status, version, canonical, now, dossier_id))
        hashes = [h for h in hashes if h not in old_pages]
        _stamp_dates(tx, dossier_id, body.status, now)
    for h in hashes:
        tx.execute("INSERT INTO dossier_pages (dossier_id, sha256) VALUES (?, ?)",
                   (dossier_id, h))
    merge_letters(tx, dossier_id, body)
    groups.record(tx, dossier_id, body.code, unit, body.group, now)
    report_facts.refresh(tx, dossier_id, {
        "id": dossier_id, "unit_code": unit, "status": body.status, "body": canonical,
        "notes": existing["notes"] if existing is not None else "[]"})
    seq = tx.insert_returning_seq(
        "INSERT INTO changes (dossier_id, unit_code, kind, status, server_version,"
        " origin_device, note, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (dossier_id, unit, kind, body.status, version, device.id, None, now),
    )
    if problems:
        signatures.flag(tx, dossier_id, unit, body.status, version, problems, now)
    queue_portal(tx, dossier_id, note=body.status_note)
    return http, {"id": dossier_id, "code": body.code, "server_version": version,
                  "server_seq": seq, "status": body.status}


def _stamp_dates(tx: Tx, dossier_id: str, status: int, now: str) -> None:
    column = {9: "finished_at", 10: "returned_at", 3: "refused_at"}.get(status)
    if column:
        tx.execute(f"UPDATE dossiers SET {column} = ? WHERE id = ?", (now, dossier_id))


def queue_portal(tx: Tx, dossier_id: str, note: str = "", by: str = "") -> None:
    """What the national portal is owed for the version just stored (same transaction)."""
    row = tx.one("SELECT * FROM dossiers WHERE id = ?", (dossier_id,))
    assert row is not None
    portal_outbox.enqueue(tx, dossier_state(row, tx), note=note, by=by)


def portal_export(db: Database, row: dict[str, Any]) -> dict[str, Any]:
    """The dossier in the portal's names, as the outbox would queue it now."""
    with db.transaction(write=False) as tx:
        return portal_outbox.snapshot(tx, dossier_state(row, tx))


def dossier_state(row: dict[str, Any], tx: Tx | None = None) -> dict[str, Any]:
    state = {
        "id": row["id"], "code": row["code"], "unit_code": row["unit_code"],
        "status": row["status"], "server_version": row["server_version"],
        "notes": json.loads(row["notes"]), "finished_at": row["finished_at"],
        "returned_at": row["returned_at"], "refused_at": row["refused_at"],
        "updated_at": row["updated_at"], "dossier": json.loads(row["body"]),
    }
    if tx is not None:
        state["postponements"] = letters(tx, row["id"])
    return state


def find_dossier(db: Database, *, dossier_id: str | None = None,
                 code: str | None = None) -> dict[str, Any] | None:
    with db.transaction(write=False) as tx:
        if dossier_id is not None:
            return tx.one("SELECT * FROM dossiers WHERE id = ?", (dossier_id,))
        return tx.one("SELECT * FROM dossiers WHERE code = ?", (code,))


def set_status(db: Database, code: str, to: int, note: str = "", by: str = "") -> dict[str, Any]:
    """The provincial side moves a dossier (processing, done, supplement requested...)."""
    with db.transaction() as tx:
        row = tx.one("SELECT * FROM dossiers WHERE code = ?" + tx.for_update(), (code,))
        if row is None:
            raise ApiError(404, "dossier_not_found",
                           _("Không tìm thấy hồ sơ {code}.", code=code))
        if to != row["status"]:
            _check_transition(row["status"], to, note)
        now = _now()
        version = row["server_version"] + 1
        notes = json.loads(row["notes"])
        notes.append({"at": now, "by": by, "status": to, "note": note})
        tx.execute(
            "UPDATE dossiers SET status = ?, server_version = ?, notes = ?, updated_at = ?"
            " WHERE id = ?", (to, version, json.dumps(notes, ensure_ascii=False), now, row["id"]))
        _stamp_dates(tx, row["id"], to, now)
        report_facts.refresh(tx, row["id"])
        tx.insert_returning_seq(
            "INSERT INTO changes (dossier_id, unit_code, kind, status, server_version,"
            " origin_device, note, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (row["id"], row["unit_code"], "status", to, version, None, note or None, now),
        )
        queue_portal(tx, row["id"], note=note, by=by)
        updated = tx.one("SELECT * FROM dossiers WHERE id = ?", (row["id"],))
        assert updated is not None
        return dossier_state(updated, tx)


# --- change feed ------------------------------------------------------------------------

def changes(db: Database, device: Device, since: int, limit: int) -> dict[str, Any]:
    horizon = db.feed_horizon()
    with db.transaction(write=False) as tx:
        floor = tx.one("SELECT value FROM meta WHERE key = 'changes_pruned_below'")
        if floor is not None and since < int(floor["value"]):
            raise ApiError(410, "cursor_expired",
                           _("Con trỏ {since} đã quá cũ; cần đồng bộ lại các hồ sơ đang mở.",
                             since=since), oldest=int(floor["value"]))
        rows = tx.all(
            # A dossier submitted online (kind incoming*) has no code until a counter
            # accepts it: its events name the submission, with an empty code.
            "SELECT c.seq, c.dossier_id, COALESCE(d.code, '') AS code, c.kind, c.status,"
            " c.server_version, c.origin_device, c.note, c.at FROM changes c"
            " LEFT JOIN dossiers d ON d.id = c.dossier_id"
            " WHERE c.unit_code = ? AND c.seq > ? AND c.seq <= ? ORDER BY c.seq LIMIT ?",
            (device.unit_code, since, horizon, limit + 1),
        )
        change_details(tx, rows)
        attach_results(tx, rows)
        attach_operations(tx, rows)
    more = len(rows) > limit
    rows = rows[:limit]
    return {"changes": rows, "next": rows[-1]["seq"] if rows else since, "more": more}


def prune_changes(db: Database, below_seq: int) -> None:
    """Drop feed events before ``below_seq``; a device whose cursor is older gets 410."""
    with db.transaction() as tx:
        tx.execute("DELETE FROM changes WHERE seq < ?", (below_seq,))
        tx.execute("DELETE FROM meta WHERE key = 'changes_pruned_below'")
        tx.execute("INSERT INTO meta (key, value) VALUES ('changes_pruned_below', ?)",
                   (str(below_seq - 1),))


def prune_idempotency(db: Database) -> int:
    cutoff = clock.iso(clock.now() - IDEMPOTENCY_TTL)
    with db.transaction() as tx:
        return tx.execute("DELETE FROM idempotency WHERE created_at < ?", (cutoff,))
