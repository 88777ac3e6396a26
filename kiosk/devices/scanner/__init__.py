"""Scanners: the driver protocol, the SANE driver on its device thread, a fake, typed errors.

Use :func:`create_driver` rather than constructing drivers directly, so the fake can stand in
(``KIOSK_SCANNER_DRIVER=fake``) for UI work on a machine with no SANE at all.
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

    ``config`` (a :class:`kiosk.config.Config`) supplies ``scanner.sane_config_dir``.
    """
    kind = kind or os.environ.get("KIOSK_SCANNER_DRIVER", "sane")
    if kind == "fake":
        from kiosk.devices.pipeline.samples import gray_letter, letter_page
        from kiosk.devices.scanner.fake import FakeScanDriver

        return FakeScanDriver(pages=[letter_page(200)[0], gray_letter(200)[0]])
    from kiosk.devices.scanner.sane_device import SaneApi
    from kiosk.devices.scanner.sane_driver import SaneScanDriver

    config_dir = config.get("scanner.sane_config_dir") if config is not None else ""
    return SaneScanDriver(SaneApi(config_dir))
