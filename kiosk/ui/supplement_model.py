"""Taking in the papers of a supplement on the dossier screen (issue 25 §2).

A dossier waiting for a supplement (status 5) shows what was asked; the clerk scans each
paper into the component it belongs to (the scanner process and the page pipeline helper,
as at intake and for a paper result on the Return screen), then records the round through
``kiosk.supplement.receive`` — the same function as ``kiosk dossier supplement --attach``:
new components, nothing earlier replaced, the dossier back to 2 and its due time moved by
the pause or restart rule kept with the request. The receipt (Mẫu 01, listing every
component, the supplement's too) prints and the new due time is shown.
"""

from __future__ import annotations

from typing import Any

from kiosk.i18n import _
from kiosk.ui.app_model import AppModel
from kiosk.ui.lookup_model import format_due
from kiosk.ui.qt import QVARIANT, QVARIANT_LIST, Property, QObject, Signal, Slot
from kiosk.ui.scan_controller import ScanController


class SupplementModel(QObject):
    changed = Signal()
    #: The dossier whose supplement was recorded (the dossier screen reloads it).
    received = Signal(str)

    def __init__(self, app: AppModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.app = app
        self.scanner = ScanController(app.services, self)
        self.scanner.pageReady.connect(self._page_ready)
        self.scanner.finished.connect(self._finished)
        self.scanner.progress.connect(self._progress)
        self._code = ""
        self._asked: list[str] = []
        #: One row per component of the procedure: code, name and the pages scanned now.
        self._rows: list[dict[str, Any]] = []
        self._pages: dict[int, list[dict[str, Any]]] = {}
        self._status = ""
        self._saving = False
        self._result: dict[str, Any] = {}

    code = Property(str, lambda self: self._code, notify=changed)
    asked = Property(QVARIANT_LIST, lambda self: list(self._asked), notify=changed)
    status = Property(str, lambda self: self._status, notify=changed)
    result = Property(QVARIANT, lambda self: dict(self._result), notify=changed)

    def _get_rows(self) -> list[dict[str, Any]]:
        return [{**row, "pages": len(self._pages.get(i, []))} for i, row in enumerate(self._rows)]

    rows = Property(QVARIANT_LIST, _get_rows, notify=changed)

    def _busy(self) -> bool:
        return self._saving or self.scanner.active

    busy = Property(bool, _busy, notify=changed)
    pageCount = Property(int, lambda self: sum(len(p) for p in self._pages.values()),
                         notify=changed)

    @Slot(str)
    def open(self, code: str) -> None:
        """Start a round of papers for the dossier on screen: what was asked, and where to
        scan it (the procedure's components)."""
        if self._busy():
            return
        store = self.app.services.store
        self._code, self._asked, self._rows = code, [], []
        self._pages, self._result = {}, {}
        self._status = ""
        self.changed.emit()

        def work() -> tuple[list[str], list[dict[str, Any]]]:
            from kiosk import supplement

            record = store.get_dossier(code)
            supplement.check_pending(record)
            waiting = [s for s in record.get("supplements") or [] if not s.get("received_at")]
            asked = list(waiting[-1]["items"]) if waiting else []
            seen: dict[str, str] = {}
            for comp in (record.get("procedure") or {}).get("components") or []:
                seen.setdefault(str(comp.get("code")), str(comp.get("name") or comp.get("code")))
            for comp in record.get("components") or []:
                seen.setdefault(str(comp.get("code")), str(comp.get("name") or comp.get("code")))
            # A paper asked for that fits no component of the procedure still has a row.
            seen.setdefault(supplement.OTHER_CODE, _("Giấy tờ bổ sung khác"))
            return asked, [{"code": c, "name": n} for c, n in seen.items()]

        def done(found: tuple[list[str], list[dict[str, Any]]]) -> None:
            if self._code != code:
                return
            self._asked, self._rows = found
            self.changed.emit()

        self.app.tasks.run(work, done, self.app.error, lane="storage")

    @Slot(int)
    def scan(self, row: int) -> None:
        """Scan the papers on the scanner into component ``row``; never on the GUI thread."""
        if self._busy() or not 0 <= row < len(self._rows):
            return
        self._status = _("Đang quét {name}…", name=self._rows[row]["name"])
        self.scanner.scan(row)
        self.changed.emit()

    @Slot(int)
    def clearRow(self, row: int) -> None:
        """Drop what was scanned for a component in this round (rescan it); nothing stored
        on the dossier is touched until the round is recorded."""
        if not self._busy():
            self._pages.pop(row, None)
            self.changed.emit()

    def _page_ready(self, component: int, page: Any) -> None:
        if not page.get("blank") and not page.get("separator"):
            self._pages.setdefault(component, []).append(dict(page))
        self.changed.emit()

    def _progress(self, text: str) -> None:
        self._status = text
        self.changed.emit()

    def _finished(self, component: int, ok: bool, message: str, _pages: int) -> None:
        self._status = message
        if not ok:
            self.app.error(message)
        elif not self._pages.get(component):
            self.app.error(_("Không có trang nào được quét (trang trắng?)."),
                           after=_("Đặt giấy tờ bổ sung lên máy quét rồi quét lại."))
        self.changed.emit()

    @Slot(result=bool)
    def receive(self) -> bool:
        """Record the round (new component versions, back to 2, due time moved), then print
        the receipt. False, with the reason shown, when nothing was scanned yet."""
        if self._busy() or not self._code:
            return False
        if not any(self._pages.values()):
            self.app.error(_("Chưa quét giấy tờ bổ sung nào."),
                           after=_("Chọn «Quét» ở giấy tờ công dân mang đến."))
            return False
        services, code = self.app.services, self._code
        chosen = [(self._rows[i]["code"], self._rows[i]["name"], list(pages))
                  for i, pages in sorted(self._pages.items()) if pages]
        self._saving = True
        self._status = _("Đang ghi nhận giấy tờ bổ sung…")
        self.changed.emit()

        def work() -> dict[str, Any]:
            from kiosk import supplement

            attached = [(c, n, [(p["pdf_sha256"], services.store.file_path(
                p["pdf_sha256"]).stat().st_size, "application/pdf") for p in pages])
                for c, n, pages in chosen]
            return supplement.receive(services.store, code, attached, services.actor())

        def done(out: dict[str, Any]) -> None:
            self._saving = False
            self._pages = {}
            self._result = {"due": format_due(out.get("due")),
                            "previousDue": format_due(out.get("previous_due")),
                            "components": len(out.get("components") or [])}
            self._status = _("Đã nhận {n} giấy tờ bổ sung. Hẹn trả mới: {due} (trước đây: "
                             "{before}).", n=self._result["components"],
                             due=self._result["due"] or "—",
                             before=self._result["previousDue"] or "—")
            self.app.ok(self._status)
            printer = services.extras.get("print_form")
            if callable(printer):
                printer(code, "01")
            else:
                self.app.error(_("Chưa cấu hình máy in; in lại biên nhận ở màn hình này."))
            if services.sync is not None:
                services.sync.poke()
            self.received.emit(code)
            self.changed.emit()

        def failed(exc: BaseException) -> None:
            self._saving = False
            self._status = ""
            self.app.error(exc)
            self.changed.emit()

        self.app.tasks.run(work, done, failed, lane="storage")
        return True

    @Slot()
    def cancel(self) -> None:
        """Close the round without recording it: a scan under way stops; pages scanned stay
        in the file store only (the start-up sweep removes files nothing references)."""
        self.scanner.cancel()
        if not self._saving:
            self._pages = {}
            self._status = ""
            self.changed.emit()

    def stop(self) -> None:
        self.scanner.shutdown()
