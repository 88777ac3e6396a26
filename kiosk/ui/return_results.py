"""The results part of the Return screen (issue 24): the rows shown for a dossier's results,
and the scan of a paper result before hand-over (the scanner process and the page pipeline
helper, as at intake; the join, PDF/A and the digitisation code on the work lane)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from kiosk.errors import InvalidInput
from kiosk.i18n import _
from kiosk.results_settings import kind_names
from kiosk.ui.scan_controller import ScanController

GIVEN_WORDS = {"paper": "Bản giấy", "electronic": "Bản điện tử", "both": "Cả hai"}


def signature_text(verdict: dict[str, Any] | None, origin: str) -> tuple[str, str]:
    """(words, tone) for a result's signature: ok, warn or muted. A result scanned here
    says whether the clerk's token signed it (none configured: nothing to say)."""
    if origin == "counter":
        if not verdict:
            return _("Quét tại quầy"), "muted"
        if verdict.get("state") == "signed":
            return _("Quét tại quầy, đã ký số: {signer}",
                     signer=verdict.get("signer") or "?"), "ok"
        return _("Quét tại quầy, chưa ký số: {error}",
                 error=str(verdict.get("error") or "")[:200]), "warn"
    if not verdict or not verdict.get("signed"):
        return _("Không có chữ ký số"), "warn"
    if verdict.get("valid"):
        return _("Chữ ký số hợp lệ: {signer}", signer=verdict.get("signer") or "?"), "ok"
    return _("Chữ ký số chưa xác thực được"), "warn"


def result_rows(record: dict[str, Any], config: Any) -> list[dict[str, Any]]:
    names = kind_names(list(config.get("results.kinds")))
    rows = []
    for r in record.get("results") or []:
        words, tone = signature_text(r.get("signature"), r["origin"])
        rows.append({
            "id": r["id"], "kind": r["kind"], "kindName": names.get(r["kind"], r["kind"]),
            "number": r["number"] or "", "code": r["code"], "origin": r["origin"],
            "signature": words, "tone": tone,
            # Electronic results are given as the file unless the clerk says otherwise.
            "given": r["handed_over"] or ("electronic" if r["origin"] == "province"
                                          else "paper"),
            "handedOver": r["handed_over"] or "",
            "delivered": r.get("delivered") or "",
            "signed": (r.get("signature") or {}).get("state") == "signed"
            or bool((r.get("signature") or {}).get("valid")),
        })
    return rows


def parse_issued(text: str) -> date | None:
    """A date as a clerk types it: 07/12/2026, 7/12/2026 or 2026-12-07; empty: none."""
    text = text.strip()
    if not text:
        return None
    for fmt in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise InvalidInput(_("Ngày ban hành «{value}» không hợp lệ.", value=text[:40]),
                       hint=_("Nhập dạng ngày/tháng/năm, ví dụ 07/12/2026."), field="issued")


class ResultScan:
    """One paper result being scanned for the dossier on the Return screen."""

    def __init__(self, model: Any) -> None:
        self.model = model
        self.scanner = ScanController(model.app.services, model)
        self.scanner.pageReady.connect(self._page_ready)
        self.scanner.finished.connect(self._finished)
        self.scanner.progress.connect(self._progress)
        self.status = ""
        self.saving = False
        self._pages: list[str] = []
        self._meta: dict[str, Any] = {}

    @property
    def busy(self) -> bool:
        return self.saving or self.scanner.active

    def kinds(self) -> list[tuple[str, str]]:
        return list(kind_names(list(self.model.app.services.config.get("results.kinds")))
                    .items())

    def kind_labels(self) -> list[str]:
        return [f"{name} ({code})" for code, name in self.kinds()]

    def start(self, code: str, kind: int, number: str, issued: str) -> None:
        if self.busy:
            return
        kinds = self.kinds()
        try:
            if not 0 <= kind < len(kinds):
                raise InvalidInput(_("Chọn loại giấy tờ kết quả."))
            day = parse_issued(issued)
        except InvalidInput as exc:
            self.model.app.error(exc)
            return
        self._meta = {"code": code, "kind": kinds[kind][0], "number": number.strip(),
                      "issued": day}
        self._pages = []
        self.status = _("Đang quét kết quả…")
        self.scanner.scan(0)
        self.model.changed.emit()

    def _page_ready(self, _component: int, page: Any) -> None:
        if not page.get("blank"):
            self._pages.append(str(page["pdf_sha256"]))

    def _progress(self, text: str) -> None:
        self.status = text
        self.model.changed.emit()

    def _finished(self, _component: int, ok: bool, message: str, _pages: int) -> None:
        self.status = message
        if not ok:
            self.model.app.error(message)
        if not self._pages:
            if ok:
                self.model.app.error(_("Không có trang nào được quét (trang trắng?)."),
                                     after=_("Đặt giấy tờ kết quả lên máy quét rồi quét lại."))
            self.model.changed.emit()
            return
        self.saving = True
        self.model.changed.emit()
        signing = self.model.app.services.extras.get("signing")
        if signing is not None and signing.settings.configured:
            # The clerk's token signs the digitised result (issue 24 §2): the PIN first.
            # Skipped: kept unsigned with the reason, unless the unit requires signing.
            required = signing.settings.required
            signing.ask_pin(_("Ký số kết quả giấy vừa quét"),
                            lambda pin: self._save(pin) if pin is not None or not required
                            else self._cancel(), can_skip=not required)
            return
        self._save(None)

    def _cancel(self) -> None:
        self.saving = False
        self.status = _("Chưa lưu kết quả: đơn vị bắt buộc ký số.")
        self.model.app.error(self.status, after=_("Quét lại và nhập mã PIN thẻ ký số."))
        self.model.changed.emit()

    def _save(self, pin: str | None) -> None:
        services = self.model.app.services
        meta, pages = dict(self._meta), list(self._pages)

        def work() -> dict[str, Any]:
            from kiosk.results import add_scanned

            return add_scanned(services.store, meta["code"], pages=pages, kind=meta["kind"],
                               number=meta["number"], issued=meta["issued"],
                               actor=services.actor(), pin=pin)

        def done(result: dict[str, Any]) -> None:
            self.saving = False
            self.status = _("Đã số hoá kết quả, mã {code}.", code=result["code"])
            state = (result.get("signature") or {}).get("state")
            if state == "unsigned":
                self.model.app.error(_("Đã lưu kết quả nhưng chưa ký số: {error}",
                                       error=result["signature"].get("error") or ""))
            else:
                self.model.app.ok(self.status + (_(" Đã ký số.") if state == "signed" else ""))
            self.model.reload()

        def failed(exc: BaseException) -> None:
            self.saving = False
            self.status = ""
            self.model.app.error(exc)
            self.model.changed.emit()

        self.model.app.tasks.run(work, done, failed, lane="work")

    def shutdown(self) -> None:
        self.scanner.shutdown()
