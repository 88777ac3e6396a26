"""Scanning one dossier component from the UI: scanner process → page pipeline → file store.

The driver call blocks the scan lane; each page is handed to the pipeline as soon as
it is read (so page n is processed while page n+1 scans), then its single-page PDF and
thumbnail go into the file store before the UI hears of it. A scanner error after some
pages keeps those pages: they were already stored and shown.

The pipeline runs in a helper process (kiosk.child_executor, which dies with the app):
parts of it hold the GIL for up to ~100 ms at a time (measured by bench/ui_stall.py), which
froze the GUI thread in-process. The scanner driver runs libsane in a helper of its own
(kiosk.devices.scanner.process_driver).
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from typing import Any

from kiosk.devices.pipeline.scan_worker import encode_page, warm_up
from kiosk.i18n import _
from kiosk.intake import IntakePage
from kiosk.ui.qt import QVARIANT, QObject, Signal

log = logging.getLogger(__name__)


class ScanController(QObject):
    #: (component index, page as a dict of IntakePage fields)
    pageReady = Signal(int, QVARIANT)
    #: (component index, ok, message, pages)
    finished = Signal(int, bool, str, int)
    progress = Signal(str)

    def __init__(self, services: Any, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.services = services
        # Started by warm_up() once the first screen is drawn (or by the first page): its
        # Python start-up and imports (~0.4 s of CPU) must not compete with the window's.
        self._pipeline: Executor | None = None
        self._pipeline_lock = threading.Lock()
        self._storer = ThreadPoolExecutor(1, thread_name_prefix="kiosk-pages")
        self._scan_lane = ThreadPoolExecutor(1, thread_name_prefix="kiosk-scan")
        self._cancel: Any = None
        self.active = False
        # Cleared on the GUI thread, after the queued pageReady signals of the batch, so
        # "not active" means every page of the batch has reached the intake.
        self.finished.connect(self._finished_on_gui_thread)

    def _finished_on_gui_thread(self, *_args: Any) -> None:
        self.active = False

    def warm_up(self) -> None:
        """Start the pipeline process and import its modules, so the first page is quick."""
        self._executor()

    def _executor(self) -> Executor:
        with self._pipeline_lock:
            if self._pipeline is None:
                from kiosk.child_executor import ChildExecutor

                self._pipeline = ChildExecutor("scan-pipeline")
                self._pipeline.submit(warm_up)
            return self._pipeline

    def scan(self, component: int, *, find_separators: bool = False) -> None:
        if self.active:
            return
        from kiosk.devices.scanner import CancelToken

        self.active = True
        self._cancel = CancelToken()
        self._scan_lane.submit(self._run, component, self._cancel, find_separators)

    def cancel(self) -> None:
        if self._cancel is not None:
            self._cancel.cancel()

    def _run(self, component: int, cancel: Any, find_separators: bool = False) -> None:
        from kiosk.devices.scanner.defaults import resolve_settings
        from kiosk.devices.scanner.sane_driver import pick_device

        futures: list[Any] = []
        try:
            driver = self.services.scanner()
            if driver is None:
                from kiosk.errors import DeviceError

                raise DeviceError(_("Chưa cấu hình máy quét."),
                                  hint=_("Báo quản trị viên chọn máy quét trong Cài đặt."))
            config = self.services.config
            device = pick_device(driver, config.get("scanner.device"))
            settings = resolve_settings(device, config)
            self.progress.emit(_("Đang quét…"))

            def on_page(page: Any) -> None:
                encoded = self._executor().submit(encode_page, page.image, page.dpi, page.index,
                                                find_separators)
                # One storer thread, fed in scan order, keeps the pages in scan order.
                futures.append(self._storer.submit(self._store, component, page.index, encoded))
                self.progress.emit(_("Đã quét {n} trang…", n=page.index + 1))

            outcome = driver.scan(device, settings, cancel=cancel, on_page=on_page)
            stored = sum(1 for f in futures if f.result())
            if outcome.end == "cancelled":
                message = _("Đã dừng quét; giữ {n} trang.", n=stored)
            else:
                message = _("Quét xong {n} trang.", n=stored)
            self.finished.emit(component, True, message, stored)
        except Exception as exc:
            from kiosk.ui.app_model import describe_error

            stored = sum(1 for f in futures if _ok(f))
            self.finished.emit(component, False, describe_error(exc), stored)

    def _store(self, component: int, index: int,
               encoded: Future[tuple[bytes, bytes, dict[str, Any]]]) -> bool:
        try:
            pdf, thumbnail, facts = encoded.result()
            store = self.services.store
            result = IntakePage(store.put_file(pdf), store.put_file(thumbnail), 0, **facts)
        except Exception as exc:
            log.exception("page %s could not be processed", index)
            from kiosk.ui.app_model import describe_error

            self.progress.emit(describe_error(exc))
            return False
        self.pageReady.emit(component, result.__dict__.copy())
        return True

    def shutdown(self) -> None:
        self.cancel()
        self._scan_lane.shutdown(wait=True)
        self._storer.shutdown(wait=True)
        with self._pipeline_lock:
            pipeline, self._pipeline = self._pipeline, None
        if pipeline is not None:
            pipeline.shutdown(wait=True)


def _ok(future: Any) -> bool:
    try:
        return bool(future.result())
    except Exception:
        return False
