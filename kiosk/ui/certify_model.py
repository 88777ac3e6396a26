"""The certification screen (chứng thực bản sao, chữ ký, hợp đồng): kind, copies, the scan,
the signer, the fee and how it is paid, then one touch certifies and prints the receipt.

Everything is computed off the GUI thread: the fee (page counts of the stored scans) on the
work lane, the certification itself (one transaction: dossier, register number, receipt; then
the stamped copies) on the work lane, the receipt and the certified copies on the print lane.
The citizen screen shows the amount, and for a transfer the VietQR code.
"""

from __future__ import annotations

import logging
from typing import Any

from kiosk.errors import KioskError
from kiosk.i18n import _
from kiosk.ui.app_model import AppModel
from kiosk.ui.qt import QVARIANT, QVARIANT_LIST, Property, QObject, Signal, Slot
from kiosk.ui.scan_controller import ScanController

log = logging.getLogger(__name__)
KINDS = ("copy", "signature", "contract")
METHODS = ("cash", "transfer", "exempt")


class CertifyModel(QObject):
    changed = Signal()

    def __init__(self, app: AppModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.app = app
        self.services = app.services
        self.scanner = ScanController(app.services, self)
        self.scanner.pageReady.connect(self._page_ready)
        self.scanner.finished.connect(self._scan_finished)
        self.scanner.progress.connect(self._progress)
        self._reset()
        #: The last receipt sent to the printer (``{"job", "printer", "receipt", ...}``).
        self.last_job: dict[str, Any] | None = None

    def _reset(self) -> None:
        self._kind, self._copies, self._pages_typed = "copy", 1, 0
        self._files: list[str] = []
        self._method, self._reason, self._signer = "cash", "", 0
        self._name, self._id_number = "", ""
        self._fee: dict[str, Any] = {}
        self._qr: list[str] = []
        self._status, self._busy = "", False
        self._result: dict[str, Any] = {}
        self._quote_seq = 0

    # --- what QML reads -------------------------------------------------------------------

    kind = Property(str, lambda self: self._kind, notify=changed)
    copies = Property(int, lambda self: self._copies, notify=changed)
    pages = Property(int, lambda self: self._pages(), notify=changed)
    scannedPages = Property(int, lambda self: len(self._files), notify=changed)
    method = Property(str, lambda self: self._method, notify=changed)
    reason = Property(str, lambda self: self._reason, notify=changed)
    signer = Property(int, lambda self: self._signer, notify=changed)
    fee = Property(QVARIANT, lambda self: dict(self._fee), notify=changed)
    qrRows = Property(QVARIANT_LIST, lambda self: list(self._qr), notify=changed)
    status = Property(str, lambda self: self._status, notify=changed)
    busy = Property(bool, lambda self: self._busy or self.scanner.active, notify=changed)
    result = Property(QVARIANT, lambda self: dict(self._result), notify=changed)

    def _signers(self) -> list[str]:
        from kiosk.money.certify import signers

        return [f"{name} — {title}" for title, name in signers(self.services.config)]

    signers = Property(QVARIANT_LIST, _signers, notify=changed)

    def _reasons(self) -> list[str]:
        from kiosk.money.fees import parse_reasons

        return [r.text if r.exempts else f"{r.text} (−{r.percent}%)"
                for r in parse_reasons(self.services.config.get("fees.exemption_reasons"))]

    reasons = Property(QVARIANT_LIST, _reasons, notify=changed)

    def _ready(self) -> bool:
        return not self._busy and not self.scanner.active and self._pages() > 0 and bool(
            self._fee) and not self._fee.get("error") and (
            self._method != "exempt" or bool(self._reason))

    ready = Property(bool, _ready, notify=changed)

    def _pages(self) -> int:
        return int(self._fee.get("pages") or 0) if self._files else (
            self._pages_typed or (1 if self._kind != "copy" else 0))

    # --- what the clerk does ----------------------------------------------------------------

    @Slot()
    def start(self) -> None:
        self._reset()
        self.changed.emit()
        self._requote()

    @Slot(str)
    def setKind(self, kind: str) -> None:
        if kind in KINDS and kind != self._kind:
            self._kind = kind
            self._requote()

    @Slot(int)
    def addCopies(self, delta: int) -> None:
        self._copies = max(1, min(1000, self._copies + delta))
        self._requote()

    @Slot(int)
    def setPages(self, pages: int) -> None:
        self._pages_typed = max(0, min(5000, pages))
        self._requote()

    @Slot(str)
    def setMethod(self, method: str) -> None:
        if method in METHODS:
            self._method = method
            if method == "cash":
                self._reason = ""
            self._requote()

    @Slot(str)
    def setReason(self, reason: str) -> None:
        self._reason = reason.split(" (−")[0]
        self._requote()

    @Slot(int)
    def setSigner(self, index: int) -> None:
        self._signer = index
        self.changed.emit()

    @Slot(str, str)
    def setRequester(self, name: str, id_number: str) -> None:
        self._name, self._id_number = name.strip(), id_number.strip()

    @Slot()
    def scan(self) -> None:
        if self.scanner.active or self._busy:
            return
        self._files = []
        self._status = _("Đang quét…")
        self.scanner.scan(0)
        self.changed.emit()

    @Slot()
    def clearScan(self) -> None:
        self._files = []
        self._requote()

    def _page_ready(self, _component: int, page: Any) -> None:
        if not page.get("blank"):
            self._files.append(str(page["pdf_sha256"]))
        self.changed.emit()

    def _scan_finished(self, _component: int, ok: bool, message: str, _pages: int) -> None:
        self._status = message
        if not ok:
            self.app.error(message)
        self._requote()

    def _progress(self, text: str) -> None:
        self._status = text
        self.changed.emit()

    # --- the fee and the citizen screen ---------------------------------------------------

    def request(self) -> Any:
        from kiosk.money.certify import CertifyRequest

        return CertifyRequest(
            kind=self._kind, copies=self._copies, files=list(self._files),
            pages=None if self._files else (self._pages_typed or None), requester=self._name,
            requester_id=self._id_number, signer=str(self._signer + 1) if self._signers()
            else "", method=self._method, reason=self._reason)

    def _requote(self) -> None:
        self._quote_seq += 1
        seq, req = self._quote_seq, self.request()
        store = self.services.store

        def work() -> dict[str, Any]:
            from kiosk.money.cashier import Cashier
            from kiosk.money.certify import Certifier, next_dossier_code
            from kiosk.money.words import WordStyle, amount_in_words

            certifier = Certifier(store)
            quote, pages = certifier.quote(req)
            out: dict[str, Any] = {"pages": pages, "items": [i.to_json() for i in quote.items]}
            if quote.free:
                out.update(amount=0, words="", free=True)
                return out
            charge = Cashier(store).charge(quote, req.method, req.reason)
            out.update(amount=charge.amount, full=charge.full_amount,
                       words=amount_in_words(charge.amount, WordStyle.from_config(
                           store.config)))
            if req.method == "transfer":
                out["qr"] = Cashier(store).transfer_qr(charge.amount,
                                                       next_dossier_code(store))["payload"]
            return out

        def done(fee: dict[str, Any]) -> None:
            if seq != self._quote_seq:
                return  # a later change asked again
            self._fee = fee
            self._qr = self._rows(fee.get("qr"))
            self.changed.emit()
            self._show_citizen()

        def failed(exc: BaseException) -> None:
            if seq != self._quote_seq:
                return
            self._fee, self._qr = {"error": str(exc)}, []
            if not isinstance(exc, KioskError):
                log.error("quote failed: %r", exc)
            self.changed.emit()

        self.changed.emit()
        if self._kind == "copy" and not self._files and not self._pages_typed:
            self._fee, self._qr = {}, []
            return
        self.app.tasks.run(work, done, failed, lane="work")

    @staticmethod
    def _rows(payload: str | None) -> list[str]:
        if not payload:
            return []
        from kiosk.citizen.board import qr_rows

        return qr_rows(payload)

    def _show_citizen(self) -> None:
        link = self.services.extras.get("citizen_gate")
        citizen = getattr(link, "citizen", None)
        if citizen is None or not self._fee or self._fee.get("error"):
            return
        from kiosk.forms.vnformat import format_amount

        amount = int(self._fee.get("amount") or 0)
        citizen.show_payment({
            "amount": amount, "amountText": format_amount(amount, free_text=_("Miễn phí")),
            "words": self._fee.get("words", ""),
            "method": self._method, "qrRows": list(self._qr),
            "account": str(self.services.config.get("fees.bank_account")),
            "accountName": str(self.services.config.get("fees.bank_account_name")),
            "items": self._fee.get("items", [])})

    # --- certify and print ----------------------------------------------------------------

    @Slot()
    def certify(self) -> None:
        if not self._ready():
            return
        self._busy = True
        self.changed.emit()
        req, clerk, store = self.request(), self.services.actor(), self.services.store

        def work() -> dict[str, Any]:
            from kiosk.money.certify import Certifier

            return Certifier(store).certify(req, clerk)

        def done(result: dict[str, Any]) -> None:
            self._busy = False
            self._result = result
            self._status = _("Đã chứng thực: số {number}, quyển số {book}.",
                             number=result["register"]["number_text"],
                             book=result["register"]["book"])
            self.changed.emit()
            self.app.ok(self._status)
            citizen = getattr(self.services.extras.get("citizen_gate"), "citizen", None)
            if citizen is not None:
                citizen.clear_payment()
            self._print(result)

        def failed(exc: BaseException) -> None:
            self._busy = False
            self.changed.emit()
            self.app.error(exc, before=_("Chưa chứng thực được."))

        self.app.tasks.run(work, done, failed, lane="work")

    def _print(self, result: dict[str, Any]) -> None:
        services = self.services

        def work() -> dict[str, Any]:
            from kiosk.devices.printer import check_ready, media_for
            from kiosk.forms import unit_from_config
            from kiosk.forms.fee_receipt import render_receipt
            from kiosk.money.cashier import Cashier

            config = services.config
            driver = services.printer.printer
            name = str(config.get("printer.name")) or None
            check_ready(driver.printer(name))
            job: dict[str, Any] = {"code": result["dossier"]}
            if result["receipt"] and result["receipt"]["number"]:
                receipt = Cashier(services.store).find(result["receipt"]["ref"])
                paper = str(config.get("fees.receipt_paper"))
                built = render_receipt(
                    {**receipt, "dossier_code": result["dossier"]}, unit_from_config(config),
                    paper=paper, tax_code=str(config.get("fees.collector_tax_code")),
                    lookup_url=str(config.get("fees.receipt_lookup_url")),
                    clerk_name=services.clerk.full_name if services.clerk else "")
                height = 0.0
                if paper == "thermal":
                    import io

                    import pikepdf

                    with pikepdf.Pdf.open(io.BytesIO(built.pdf)) as pdf:
                        height = float(pdf.pages[0].mediabox[3]) / 72 * 25.4
                printed = driver.submit(built.pdf, printer=name,
                                        media=media_for("thermal", height)
                                        if paper == "thermal" else "A5",
                                        title=f"{receipt['ref']} bien-lai")
                job.update(printed.to_json(), receipt=receipt["ref"])
            copies = services.store.file_path(result["output"]).read_bytes()
            stamped = driver.submit(copies, printer=name, media="A4",
                                    title=f"{result['dossier']} chung-thuc")
            job["copies_job"] = stamped.to_json()
            return job

        def done(job: dict[str, Any]) -> None:
            self.last_job = job
            self.app.ok(_("Đã gửi biên lai và bản chứng thực tới máy in."))

        def failed(exc: BaseException) -> None:
            self.app.error(exc, before=_("Chưa in được biên lai."),
                           after=_("Việc chứng thực đã lưu; in lại bằng lệnh kiosk fee receipt."))

        self.app.tasks.run(work, done, failed, lane="print")

    def stop(self) -> None:
        """At exit (``Window.close`` stops its extras first)."""
        self.scanner.shutdown()
