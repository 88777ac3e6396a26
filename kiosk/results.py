"""Results at the counter (issue 24), Qt-free: listing a dossier's results, digitising a
paper result at hand-over, and the hand-over itself with what was given.

The screens (kiosk/ui/return_model.py) and the CLI (``kiosk dossier results``) both come
here, off the GUI thread.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from kiosk.dossier import Status, check_transition
from kiosk.errors import InvalidInput, NotFound
from kiosk.i18n import _
from kiosk.result_code import (
    check_dates,
    check_kind,
    code_prefix,
    looks_like_pdf,
    make_code,
)
from kiosk.storage import records
from kiosk.storage import results as stored

if TYPE_CHECKING:
    from kiosk.storage import Store

#: Where a dossier may be when its result is digitised: done, or already handed over.
SCANNABLE = (Status.DONE, Status.RETURNED)


def listing(store: Store, code: str) -> list[dict[str, Any]]:
    """``kiosk dossier results CODE``: the dossier's results in the issue's JSON keys."""
    record = store.get_dossier(code)
    return [{"id": r["id"], "kind": r["kind"], "number": r["number"], "issued": r["issued"],
             "valid_until": r["valid_until"], "sha256": r["sha256"],
             "signature": r["signature"], "handed_over": r["handed_over"],
             "delivered": r.get("delivered"),
             "code": r["code"], "origin": r["origin"], "issuer": r["issuer"]}
            for r in record["results"]]


def _dossier(store: Store, code: str) -> tuple[str, dict[str, Any]]:
    dossier_id = store.read(lambda db: records.id_for_code(db, code.strip().upper()))
    if dossier_id is None:
        raise NotFound(_("Không tìm thấy hồ sơ {code}.", code=code.strip()),
                       hint=_("Kiểm tra lại mã hồ sơ trên phiếu tiếp nhận."))
    return dossier_id, store.get_dossier(code.strip().upper())


def add_scanned(store: Store, code: str, *, pdf: bytes | None = None,
                pages: list[str] | None = None, kind: str, number: str = "",
                issued: date | None = None, valid_until: date | None = None,
                issuer: str = "", actor: str, pin: str | None = None) -> dict[str, Any]:
    """Digitise a paper result: its scanned pages (single-page PDFs already in the file
    store, as the scan pipeline leaves them) or a PDF, joined and brought to PDF/A-2b,
    signed with the clerk's token when one is configured (``pin``), given its
    digitisation code, stored and queued for the server. Every check runs before anything
    is written."""
    kind = check_kind(kind)
    check_dates(issued, valid_until)
    if len(number) > 100 or len(issuer) > 300:
        raise InvalidInput(_("Số hiệu hoặc cơ quan ban hành quá dài."), field="number")
    dossier_id, record = _dossier(store, code)
    if Status(int(record["status"])) not in SCANNABLE:
        raise InvalidInput(
            _("Hồ sơ {code} chưa có kết quả ({label}).", code=record["code"],
              label=Status(int(record["status"])).label),
            hint=_("Chỉ số hoá kết quả của hồ sơ đã giải quyết xong."))
    data, signature = sign_result(_pdfa(store, pdf, pages), store.config, pin)
    config = store.config
    owner = (record.get("applicant") or {}).get("id_number") or ""
    fields = {"id_number": owner, "procedure": record["procedure_code"], "kind": kind,
              "unit": record["unit_code"], "counter": int(record["counter"])}
    pattern = str(config.get("results.code_pattern"))
    sha = store.put_file(data)

    def write(db: Any) -> dict[str, Any]:
        seq = stored.next_seq(db, code_prefix(pattern, **fields))
        facts = {"kind": kind, "number": number.strip(),
                 "issued": issued.isoformat() if issued else None,
                 "valid_until": valid_until.isoformat() if valid_until else None,
                 "issuer": issuer.strip(), "code": make_code(pattern, seq=seq, **fields),
                 "sha256": sha}
        return stored.add(db, dossier_id=dossier_id, facts=facts, size=len(data),
                          mime="application/pdf", origin="counter", actor=actor,
                          dossier_code=record["code"], signature=signature)

    return store.call(write)


def sign_result(data: bytes, config: Any, pin: str | None) -> tuple[bytes, dict[str, Any] | None]:
    """The scanned result signed with the clerk's token (an incremental update, so the
    PDF/A-2b file stays PDF/A-2b), and the state kept with it: None when no token is
    configured; ``unsigned`` with the reason when signing failed (the result is kept all
    the same, as a component is at intake), unless ``signing.required``: then nothing is
    stored and the clerk sees why."""
    from kiosk.signing import SigningError
    from kiosk.signing.settings import SigningSettings
    from kiosk.signing.token import TokenSession

    settings = SigningSettings.from_config(config)
    if not settings.configured:
        return data, None
    try:
        with TokenSession(settings, pin or "") as session:
            signed = session.sign(data)
    except SigningError as exc:
        if settings.required:
            raise
        return data, {"state": "unsigned", "signed": False, "error": exc.message}
    return signed.data, {"state": "signed", "signed": True, "intact": True,
                         "signer": signed.signer, "signed_at": signed.signed_at,
                         "timestamped": signed.timestamped}


def _pdfa(store: Store, pdf: bytes | None, pages: list[str] | None) -> bytes:
    if pages:
        from kiosk.documents import merge_pages

        return merge_pages([(store.files.read(sha), 0) for sha in pages])
    if not pdf:
        raise InvalidInput(_("Chưa quét trang nào của kết quả."),
                           hint=_("Đặt giấy tờ kết quả lên máy quét rồi bấm Quét."))
    cap = int(store.config.get("results.max_mib")) << 20
    if len(pdf) > cap:
        raise InvalidInput(_("Tệp kết quả {mib} MiB vượt giới hạn {limit} MiB.",
                             mib=len(pdf) >> 20, limit=cap >> 20), field="file",
                           hint=_("Quét lại ở độ phân giải thấp hơn (results.max_mib)."))
    if not looks_like_pdf(pdf):
        raise InvalidInput(_("Tệp kết quả không phải PDF."), field="file")
    from kiosk.pdfa import conform

    return conform(pdf).data


def hand_over(store: Store, code: str, *, note: str, actor: str,
              given: dict[str, str] | None = None, unscanned_reason: str = "",
              delivered: dict[str, str] | None = None, printer: Any = None,
              recipient: str = "") -> dict[str, Any]:
    """Status 10 and what was given, in one transaction, queued for the server. ``given``:
    result id → ``paper``, ``electronic`` or ``both`` (every result not named is taken as
    given on paper); ``delivered``: result id → ``printed`` (printed here and now on
    ``printer``, with its QR) or ``sent``, for a result whose electronic file was given.
    With no result on file the hand-over needs ``unscanned_reason``. Every check, and the
    printing, happen before anything is written; a printer that refuses stops the
    hand-over. Returns the dossier, with ``printed`` (the print jobs)."""
    _id, record = _dossier(store, code)
    results = record["results"]
    given, delivered = dict(given or {}), dict(delivered or {})
    known = {r["id"] for r in results}
    for rid, how in given.items():
        if rid not in known:
            raise InvalidInput(_("Kết quả {id} không thuộc hồ sơ {code}.", id=rid[:40],
                                 code=record["code"]))
        if how not in stored.GIVEN:
            raise InvalidInput(_("Hình thức trao «{how}» không hợp lệ.", how=how[:20]),
                               hint=_("Chọn: giấy, bản điện tử, hoặc cả hai."))
    for r in results:
        given.setdefault(r["id"], "paper")
    for rid, how in delivered.items():
        if rid not in known:
            raise InvalidInput(_("Kết quả {id} không thuộc hồ sơ {code}.", id=rid[:40],
                                 code=record["code"]))
        if how not in stored.DELIVERED:
            raise InvalidInput(_("Cách giao bản điện tử «{how}» không hợp lệ.", how=how[:20]),
                               hint=_("Chọn: in tại chỗ (printed) hoặc đã gửi (sent)."))
        if given[rid] == "paper":
            raise InvalidInput(_("Kết quả {id} trao bản giấy: không có bản điện tử để in hay "
                                 "gửi.", id=rid[:40]),
                               hint=_("Chọn «bản điện tử» hoặc «cả hai» cho kết quả này."))
    reason = unscanned_reason.strip()
    if not results and not reason:
        raise InvalidInput(
            _("Kết quả chưa được số hoá: quét kết quả giấy trước khi trả, hoặc ghi lý do."),
            hint=_("Bấm «Quét kết quả giấy», hoặc nhập lý do trả không quét."),
            field="unscanned_reason")
    if len(reason) > 500:
        raise InvalidInput(_("Lý do quá dài (tối đa 500 ký tự)."), field="unscanned_reason")
    check_transition(Status(int(record["status"])), Status.RETURNED)
    jobs: list[dict[str, Any]] = []
    to_print = [r for r in results if delivered.get(r["id"]) == "printed"]
    if to_print:
        if printer is None:
            raise InvalidInput(_("Chưa có máy in để in kết quả điện tử."),
                               hint=_("Chọn máy in trong Cài đặt rồi trả lại."))
        from kiosk.result_print import print_results

        jobs = print_results(store, record, to_print, printer)
    store.change_status(record["code"], int(Status.RETURNED), actor, note,
                        then=lambda db, did: stored.record_handover(
                            db, did, given, reason, actor, delivered, recipient))
    return {**store.get_dossier(record["code"]), "printed": jobs}
