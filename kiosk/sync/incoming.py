"""Dossiers submitted online or by post: brought to the counter, accepted or refused here.

The feed names them (:func:`apply_change`); each pass then fetches the details of the new
ones (:func:`fetch_details`). Opening one downloads its files into the file store
(:func:`ensure_files`, checked against their hashes). Deciding needs the server: it alone
knows whether another counter of the unit decided first (409 ``already_decided``). Only once
the server said yes is the dossier saved here — accepted: status 2, a code of this counter
and the legal due time counted from now; refused: status 1 then 3 with the reason, so the
refusal (Mẫu 03) has a code and the reports count it. A lost answer is harmless: asking
again is answered as the first time for the same device.
"""

from __future__ import annotations

import hashlib
from functools import partial
from typing import TYPE_CHECKING, Any

import httpx

from kiosk.dossier import Channel, Status
from kiosk.errors import InvalidInput
from kiosk.i18n import _
from kiosk.storage import incoming
from kiosk.sync import wire
from kiosk.sync.errors import BadResponse, Retry, SyncFailed, describe

if TYPE_CHECKING:
    from kiosk.storage import SavedDossier, Store

KINDS = ("incoming", "incoming_decided")
#: A submitted file is at most 20 MB on the server (central/incoming.py).
MAX_FILE_BYTES = 21 << 20


class AlreadyDecided(InvalidInput):
    """Another counter of the unit decided first; the clerk is told who won and when."""

    kind = "already_decided"


def apply_change(db: Any, change: wire.Change) -> int:
    """A feed event about a submission, inside the page's transaction."""
    if change.kind == "incoming":
        return int(incoming.note_submitted(db, change.dossier_id))
    return int(incoming.note_decided(db, change.dossier_id))


def _get(engine: Any, path: str, max_bytes: int = 4 << 20) -> httpx.Response:
    return engine.http.get(path, headers=engine._headers(),
                           extensions={"max_bytes": max_bytes})


def fetch_details(engine: Any) -> int:
    """Fetch what the feed only named; a failure waits for the next pass."""
    n = 0
    for incoming_id in engine.store.read(incoming.unfetched):
        try:
            r = _get(engine, f"/v1/incoming/{incoming_id}")
            if r.status_code == 404:
                engine.store.call(partial(_atomic, fn=incoming.forget, arg=incoming_id))
                continue
            if r.status_code != 200:
                engine._note_error(_("Không lấy được hồ sơ nộp trực tuyến ({status}).",
                                     status=r.status_code))
                return n
            details = _details(r)
        except (httpx.HTTPError, Retry) as exc:
            engine._note_error(describe(exc))
            return n
        engine.store.call(partial(_atomic, fn=incoming.store_details, arg=details))
        n += 1
        engine._emit(kind="incoming", id=incoming_id)
    return n


def _atomic(db: Any, *, fn: Any, arg: Any) -> None:
    with db.atomic():
        fn(db, arg)


def _details(r: httpx.Response) -> dict[str, Any]:
    """The server's answer, checked as the other answers are (kiosk.sync.wire)."""
    try:
        body = r.json()
    except ValueError:
        raise BadResponse(_("GET /v1/incoming: không phải JSON")) from None
    ok = (isinstance(body, dict) and isinstance(body.get("id"), str)
          and body.get("channel") in (2, 3) and isinstance(body.get("procedure"), str)
          and isinstance(body.get("applicant"), dict)
          and isinstance(body.get("components"), list)
          and isinstance(body.get("submitted_at"), str) and isinstance(body.get("state"), str))
    if ok:
        for comp in body["components"]:
            ok = ok and isinstance(comp, dict) and isinstance(comp.get("code"), str) and \
                isinstance(comp.get("sha256"), str) and len(comp["sha256"]) == 64
    if not ok:
        raise BadResponse(_("GET /v1/incoming: nội dung không đúng dạng"))
    return dict(body)


def ensure_files(engine: Any, row: dict[str, Any]) -> None:
    """Every file of the submission in the file store (downloaded and re-hashed)."""
    store = engine.store
    for comp in row["components"]:
        sha = comp["sha256"]
        if store.files.path_for(sha).exists():
            continue
        try:
            r = _get(engine, f"/v1/blobs/{sha}", max_bytes=MAX_FILE_BYTES)
        except httpx.HTTPError as exc:
            raise SyncFailed(_("Không tải được tệp của hồ sơ: {error}", error=describe(exc)),
                             hint=_("Kiểm tra kết nối mạng rồi mở lại hồ sơ.")) from None
        if r.status_code != 200 or hashlib.sha256(r.content).hexdigest() != sha:
            raise SyncFailed(_("Không tải được tệp {code} của hồ sơ ({status}).",
                               code=comp["code"], status=r.status_code),
                             hint=_("Thử lại sau; nếu vẫn lỗi, báo quản trị viên."))
        store.put_file(r.content)


def _decide(engine: Any, incoming_id: str, decision: str, clerk: str,
            reason: str = "") -> dict[str, Any]:
    try:
        r = engine.http.post(f"/v1/incoming/{incoming_id}/{decision}",
                             json={"clerk": clerk, "reason": reason},
                             headers=engine._headers(), extensions={"max_bytes": 4 << 20})
    except httpx.HTTPError as exc:
        raise SyncFailed(_("Cần kết nối máy chủ để quyết định hồ sơ nộp trực tuyến: {error}",
                           error=describe(exc)),
                         hint=_("Hồ sơ vẫn chờ; thử lại khi có mạng.")) from None
    if r.status_code == 409:
        engine.store.call(partial(_atomic, fn=incoming.mark_taken, arg=incoming_id))
        message = wire.error_field(r, "message")
        raise AlreadyDecided(
            message if isinstance(message, str) and message else
            _("Hồ sơ này đã được xử lý ở quầy khác."),
            hint=_("Hồ sơ đã rời danh sách chờ; không cần làm gì thêm."))
    if r.status_code != 200:
        message = wire.error_field(r, "message")
        raise SyncFailed(_("Máy chủ không nhận quyết định ({status}): {answer}",
                           status=r.status_code,
                           answer=message if isinstance(message, str) else ""))
    return _details(r)


def _dossier_input(store: Store, row: dict[str, Any], status: int) -> Any:
    from kiosk.storage import ApplicantInput, ComponentInput, DossierInput, PageInput

    a = row["applicant"]
    applicant = ApplicantInput(str(a.get("name", "")).strip(),
                               id_number=str(a.get("id_number", "")),
                               phone=str(a.get("phone", "")), email=str(a.get("email", "")),
                               address=str(a.get("address", "")))
    proc = store.catalog.get(row["procedure_code"])
    sent: dict[str, list[Any]] = {}
    for comp in row["components"]:
        sent.setdefault(comp["code"], []).append(
            PageInput(comp["sha256"], mime=comp.get("mime") or "application/pdf"))
    components = [
        ComponentInput(name=c.name, code=c.code, copy_kind="copy", count=c.count,
                       checked=c.code in sent, pages=sent.get(c.code, []))
        for c in proc.components if c.code in sent
    ]
    channel = int(row["channel"]) if row["channel"] in (2, 3) else int(Channel.ONLINE)
    return DossierInput(proc.code, applicant, channel=channel, components=components,
                        status=status)


def _decided(incoming_id: str, row: dict[str, Any], state: str, clerk: str,
             reason: str = "") -> Any:
    """What commits with the dossier made from a submission: the decision, and the
    citizen's consent to notices by the contacts they gave the portal."""
    from kiosk.storage import notices

    a = row["applicant"]

    def then(db: Any, dossier_id: str, code: str) -> None:
        incoming.mark_decided(db, incoming_id, state, code=code, actor=clerk, reason=reason)
        notices.consent(db, dossier_id, email=str(a.get("email") or ""),
                        phone=str(a.get("phone") or ""), channels=list(notices.CHANNELS),
                        source="portal")

    return then


def accept(engine: Any, incoming_id: str, clerk: str) -> dict[str, Any]:
    """Accept a submission: the server first, then the dossier here (code, due from now)."""
    store = engine.store
    row = store.read(lambda db: incoming.get(db, incoming_id))
    if row["state"] == "accepted":
        return _result(store.get_dossier(row["dossier_code"]), incoming_id)
    _check_waiting(row)
    ensure_files(engine, row)
    inp = _dossier_input(store, row, int(Status.RECEIVED))
    _decide(engine, incoming_id, "accept", clerk)
    saved: SavedDossier = store.save_dossier(inp, clerk,
                                             then=_decided(incoming_id, row, "accepted", clerk))
    return {**saved.to_json(), "incoming": incoming_id, "channel": inp.channel}


def refuse(engine: Any, incoming_id: str, reason: str, clerk: str) -> dict[str, Any]:
    """Refuse a submission (Mẫu 03): the server first, then a dossier here moved 1 → 3."""
    if not reason.strip():
        raise InvalidInput(_("Từ chối hồ sơ cần ghi rõ lý do."),
                           hint=_("Thêm lý do bằng --reason \"...\"."))
    store = engine.store
    row = store.read(lambda db: incoming.get(db, incoming_id))
    if row["state"] == "refused":
        record = store.get_dossier(row["dossier_code"])
        if record["status"] == int(Status.NEW):  # stopped between the save and the move
            store.change_status(record["code"], int(Status.REFUSED), clerk, row["reason"] or reason)
            record = store.get_dossier(record["code"])
        return _result(record, incoming_id)
    _check_waiting(row)
    ensure_files(engine, row)
    inp = _dossier_input(store, row, int(Status.NEW))
    _decide(engine, incoming_id, "refuse", clerk, reason.strip())
    saved = store.save_dossier(inp, clerk, then=_decided(incoming_id, row, "refused", clerk,
                                                         reason.strip()))
    store.change_status(saved.code, int(Status.REFUSED), clerk, reason)
    return _result(store.get_dossier(saved.code), incoming_id)


def ask_supplement(engine: Any, incoming_id: str, items: list[str], clerk: str
                   ) -> dict[str, Any]:
    """Ask for more papers before accepting (Mẫu 02, status 1 → 5): the dossier is recorded
    here with its code; its legal clock starts once the papers are complete."""
    from kiosk import supplement

    items = [i.strip() for i in items if i.strip()]
    if not items:
        raise InvalidInput(_("Yêu cầu bổ sung cần ghi rõ giấy tờ còn thiếu."))
    store = engine.store
    row = store.read(lambda db: incoming.get(db, incoming_id))
    if row["state"] == "supplement":
        return _result(store.get_dossier(row["dossier_code"]), incoming_id)
    _check_waiting(row)
    ensure_files(engine, row)
    inp = _dossier_input(store, row, int(Status.NEW))
    _decide(engine, incoming_id, "supplement", clerk, "; ".join(items))
    saved = store.save_dossier(inp, clerk, then=_decided(incoming_id, row, "supplement", clerk,
                                                         "; ".join(items)))
    supplement.ask(store, saved.code, items, clerk)
    return _result(store.get_dossier(saved.code), incoming_id)


def _check_waiting(row: dict[str, Any]) -> None:
    if row["state"] != "waiting":
        raise AlreadyDecided(_("Hồ sơ này đã được xử lý ở quầy khác."),
                             hint=_("Hồ sơ đã rời danh sách chờ; không cần làm gì thêm."))


def _result(record: dict[str, Any], incoming_id: str) -> dict[str, Any]:
    return {"id": record["id"], "code": record["code"], "received": record["received_at"],
            "due": record.get("due_at"), "status": record["status"],
            "incoming": incoming_id, "channel": record.get("channel")}

