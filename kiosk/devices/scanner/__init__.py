"""Scanners: the driver protocol, the SANE driver on its device thread, a fake, typed errors.

Use :func:`create_driver` rather than constructing drivers directly, so the fake can stand in
(``KIOSK_SCANNER_DRIVER=fake``) for UI work on a machine with no SANE at all.
"""

from __future__ import annotations

import os

from kiosk.devices.scanner.errors import ScannerError
from kiosk.devices.scanner.protocol import (
    CancelToken,
    Capabilities,
    Mode,
    ScanDriver,
    ScanEnd,
    ScannerInfo,
    ScanOutcome,
    ScanPage,
    ScanSettings,
    Source,
)

__all__ = [
    "CancelToken", "Capabilities", "Mode", "ScanDriver", "ScanEnd", "ScanOutcome", "ScanPage",
    "ScanSettings", "ScannerError", "ScannerInfo", "Source", "create_driver",
]


def create_driver(kind: str | None = None) -> ScanDriver:
    """``sane`` (default) or ``fake`` (a few generated pages, for UI work without SANE)."""
    kind = kind or os.environ.get("KIOSK_SCANNER_DRIVER", "sane")
    if kind == "fake":
        from kiosk.devices.scanner.fake import FakeScanDriver

        return FakeScanDriver(pages=FakeScanDriver.blank_pages(3))
    from kiosk.devices.scanner.sane_driver import SaneScanDriver

    return SaneScanDriver()
