"""Scanners: the driver protocol, the SANE driver on its device thread, a fake, typed errors.

Use :func:`create_driver` (SANE in a supervised process of its own) rather than constructing
drivers directly, so the fake can stand in (``KIOSK_SCANNER_DRIVER=fake``) for UI work on a
machine with no SANE at all.
"""

from __future__ import annotations

import os
from typing import Any

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


def create_driver(kind: str | None = None, config: Any = None) -> ScanDriver:
    """``sane`` (default) or ``fake`` (generated letter pages, for UI work without SANE).

    SANE runs in a supervised process of its own (ProcessScanDriver). ``config`` (a
    :class:`kiosk.config.Config`) supplies ``scanner.sane_config_dir`` and
    ``scanner.stall_seconds``.
    """
    kind = kind or os.environ.get("KIOSK_SCANNER_DRIVER", "sane")
    if kind == "fake":
        from kiosk.devices.pipeline.samples import gray_letter, letter_page
        from kiosk.devices.scanner.fake import FakeScanDriver

        return FakeScanDriver(pages=[letter_page(200)[0], gray_letter(200)[0]])
    from kiosk.devices.scanner.process_driver import DEFAULT_STALL_S, ProcessScanDriver

    if config is None:
        return ProcessScanDriver()
    return ProcessScanDriver(config.get("scanner.sane_config_dir"),
                             stall_seconds=float(config.get("scanner.stall_seconds")
                                                 or DEFAULT_STALL_S))
