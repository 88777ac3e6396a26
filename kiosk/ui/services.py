"""What the screens work with: one object holding the app's long-lived parts.

Built once by :func:`kiosk.ui.app.run` (or by a test with its own parts), then handed to
every view model: no module globals, so tests build as many as they like.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from kiosk.catalog import Catalog
from kiosk.clerks import Clerk, ClerkDirectory
from kiosk.config import Config
from kiosk.storage import Store
from kiosk.working_time import WorkingCalendar


@dataclass
class Services:
    config: Config
    store: Store
    clerks: ClerkDirectory
    #: A scanner driver (kiosk.devices.scanner.ScanDriver); created lazily on the device lane.
    scanner_factory: Any = None
    #: Prints a PDF: ``print_pdf(pdf_bytes, paper) -> dict(job, printer)``; None: no printing.
    printer: Any = None
    #: The sync worker (kiosk.sync), if configured.
    sync: Any = None
    clerk: Clerk | None = None
    extras: dict[str, Any] = field(default_factory=dict)
    _scanner: Any = None
    _scanner_lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def catalog(self) -> Catalog:
        return self.store.catalog

    @property
    def calendar(self) -> WorkingCalendar:
        return self.store.calendar

    def scanner(self) -> Any:
        # Called from several lanes at once (home's device check, a scan): one driver only.
        with self._scanner_lock:
            if self._scanner is None and self.scanner_factory is not None:
                self._scanner = self.scanner_factory()
            return self._scanner

    def actor(self) -> str:
        return self.clerk.login if self.clerk else "system"

    def close(self) -> None:
        if self._scanner is not None:
            self._scanner.close()
        if self.sync is not None and hasattr(self.sync, "stop"):
            self.sync.stop()
        self.store.close()
