"""The intake's scan step: one document at a time, or the whole dossier in one feeder pass;
pages turned, moved, set aside as blank or deleted."""

from __future__ import annotations

from typing import Any

from kiosk.i18n import _
from kiosk.intake import IntakePage
from kiosk.ui.app_model import AppModel
from kiosk.ui.intake_state import IntakeState
from kiosk.ui.qt import QObject, Slot


class IntakeScanning(IntakeState):
    def __init__(self, app: AppModel, parent: QObject | None = None) -> None:
        super().__init__(app, parent)
        self.scanner.pageReady.connect(self._page_ready)
        self.scanner.finished.connect(self._scan_finished)
        self.scanner.progress.connect(self._scan_progress)

    @Slot(int)
    def selectComponent(self, index: int) -> None:
        self._current = max(0, min(index, len(self.session.components) - 1))
        self._refresh_pages()

    @Slot()
    def scan(self) -> None:
        if not self.session.components:
            return
        self._stopping = False
        self._scan_status = _("Đang chuẩn bị máy quét…")
        self.scanner.scan(self._current)
        self._batch_started(self._current, whole=False)
        self.scanningChanged.emit()

    @Slot()
    def scanAll(self) -> None:
        """The whole dossier in one feeder pass, documents separated by blank sheets (as
        document-capture software does with separator sheets): each blank sheet moves the
        following pages to the next document still to scan."""
        first = self.session.next_to_scan()
        if first is None or self.scanner.active:
            return
        self._current = first
        self._split_target = first
        self._refresh_pages()
        self._stopping = False
        self.scanner.scan(first, find_separators=True)
        self._batch_started(first, whole=True)
        self._scan_status = _("Đang quét cả bộ: giữa hai giấy tờ là một tờ ngăn cách (tờ "
                              "trắng, hoặc tờ in bằng «kiosk separator»)…")
        self.scanningChanged.emit()

    @Slot()
    def rescan(self) -> None:
        self.session.clear_pages(self._current)
        self._changed()
        self.scan()

    @Slot()
    def cancelScan(self) -> None:
        if not self.scanner.active:
            return
        self.scanner.cancel()
        self._stopping = True
        self._scan_status = _("Đang dừng: trang đang trong máy quét sẽ được giữ…")
        self.scanningChanged.emit()

    @Slot(int, "QVariant")
    def _page_ready(self, component: int, page: dict[str, Any]) -> None:
        target = self._split_target
        if target is None:
            self.session.add_page(component, IntakePage(**page))
        else:
            comp = self.session.component(target)
            duplex = str(self.app.services.config.get("scanner.source")) == "duplex"
            ends = page.get("separator") or (page.get("blank") and not duplex)
            if ends and comp.kept_pages():
                # A separator (blank or barcode sheet): kept aside with the document it
                # ends, never deleted.
                self.session.add_page(target, IntakePage(**page))
                following = self.session.next_to_scan(target)
                if following is not None:
                    self._split_target = self._current = following
                    if self.session.scan_batch is not None:
                        self.session.scan_batch["component"] = following
            else:
                self.session.add_page(target, IntakePage(**page))
        self._changed()

    def _batch_started(self, component: int, whole: bool) -> None:
        # In the draft while the batch runs: a draft that still has it was cut mid-batch.
        if self.scanner.active:
            self.session.scan_batch = {"component": component, "all": whole}
            self._changed()

    @Slot()
    def dismissInterrupted(self) -> None:
        """«Đã hiểu» on the notice of a batch cut mid-way."""
        self.session.interrupted = None
        self._changed()

    @Slot(int, bool, str, int)
    def _scan_finished(self, component: int, ok: bool, message: str, pages: int) -> None:
        stopped, self._stopping = self._stopping, False
        self.session.scan_batch = None
        cut = self.session.interrupted
        if ok and pages and cut is not None and cut["component"] == component:
            self.session.interrupted = None  # the document cut short is scanned again
        if self._split_target is not None:
            component, self._split_target = self._split_target, None
        if ok and not stopped and pages:
            # The next document is selected and ready: one touch on "Quét" scans it.
            following = self.session.next_to_scan(component)
            if following is not None:
                self._current = following
                message = _("{done} Tiếp theo: {name}.", done=message,
                            name=self.session.component(following).name)
                self._refresh_pages()
            elif self.session.step_name == "scan":
                message = _("{done} Đã quét đủ giấy tờ; bấm Tiếp tục.", done=message)
        self._scan_status = message
        self.scanningChanged.emit()
        self._changed()  # the draft no longer says a batch is running
        if ok:
            self.app.ok(message)
        else:
            self.app.error(message)

    @Slot(str)
    def _scan_progress(self, text: str) -> None:
        self._scan_status = text
        self.scanningChanged.emit()

    @Slot(int)
    def rotatePage(self, page: int) -> None:
        self.session.rotate_page(self._current, page, 90)
        self._changed()

    @Slot(int, int)
    def movePage(self, src: int, dst: int) -> None:
        self.session.move_page(self._current, src, dst)
        self._changed()

    @Slot(int)
    def deletePage(self, page: int) -> None:
        self.session.delete_page(self._current, page)
        self._changed()

    @Slot(int)
    def toggleBlank(self, page: int) -> None:
        self.session.toggle_blank(self._current, page)
        self._changed()
