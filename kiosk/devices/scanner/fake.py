"""A configurable fake scanner, beside the real SANE driver (like NAPS2's MockScanBridge).

Pages, a delay per page, and an error injected before a given page make the UI and the
batch logic testable without timing games; ``FakeScanDriver.blank_pages(n)`` gives quick
white pages when the content does not matter.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from kiosk.devices.scanner.errors import FeederEmpty, NoScanner, ScannerError, ScannerUnsupported
from kiosk.devices.scanner.protocol import (
    CancelToken,
    Capabilities,
    Mode,
    PageCallback,
    ProgressCallback,
    ScanEnd,
    ScannerInfo,
    ScanOutcome,
    ScanPage,
    ScanSettings,
    Source,
)

ErrorFactory = Callable[[int], ScannerError]


@dataclass
class FakeScanDriver:
    #: Page images (H×W×3 or H×W uint8) fed in order; flatbed scans take the first only.
    pages: Sequence[np.ndarray] = ()
    devices: Sequence[ScannerInfo] = (ScannerInfo("fake:0", "Kiosk", "Fake ADF", "virtual"),)
    capabilities_: Capabilities = field(default_factory=lambda: Capabilities(
        (Source.FLATBED, Source.ADF, Source.DUPLEX), (Mode.COLOR, Mode.GRAY, Mode.LINEART),
        (), (75, 600), (216.0, 356.0)))
    delay_s: float = 0.0
    #: Raise ``fail_with(pages_so_far)`` instead of reading page number ``fail_at`` (0-based).
    fail_at: int | None = None
    fail_with: ErrorFactory | None = None
    #: How many scans fail before the fault clears (the clerk fixed the jam).
    fail_times: int = 1_000_000
    dpi: int = 200
    scans: list[ScanSettings] = field(default_factory=list)

    @staticmethod
    def blank_pages(n: int, size: tuple[int, int] = (330, 234)) -> list[np.ndarray]:
        return [np.full((size[0], size[1], 3), 250, np.uint8) for _ in range(n)]

    def list_devices(self) -> list[ScannerInfo]:
        return list(self.devices)

    def capabilities(self, device: str) -> Capabilities:
        self._check(device)
        return self.capabilities_

    def scan(
        self,
        device: str,
        settings: ScanSettings,
        *,
        cancel: CancelToken | None = None,
        on_progress: ProgressCallback | None = None,
        on_page: PageCallback | None = None,
    ) -> ScanOutcome:
        self._check(device)
        if settings.source not in self.capabilities_.sources:
            raise ScannerUnsupported.create(device=device, detail=settings.source.value)
        self.scans.append(settings)
        token = cancel or CancelToken()
        feed = list(self.pages[:1] if settings.source is Source.FLATBED else self.pages)
        if not feed and settings.source is not Source.FLATBED:
            raise FeederEmpty.create(device=device)
        done = 0
        for index, image in enumerate(feed):
            if token.cancelled:
                return ScanOutcome(done, ScanEnd.CANCELLED, device, settings)
            if (self.fail_at is not None and index == self.fail_at and self.fail_with
                    and self.fail_times > 0):
                self.fail_times -= 1
                # The sheets already read have left the feeder: a resumed scan starts after.
                self.pages = list(feed[index:])
                raise self.fail_with(done)
            for step in (0.5, 1.0):
                if self.delay_s and token.wait(self.delay_s / 2):
                    return ScanOutcome(done, ScanEnd.CANCELLED, device, settings)
                if on_progress is not None:
                    on_progress(index, step)
            side = "back" if settings.source is Source.DUPLEX and index % 2 else "front"
            done += 1
            if on_page is not None:
                on_page(ScanPage(index, image, self.dpi, side))
        return ScanOutcome(done, ScanEnd.DONE, device, settings)

    def close(self) -> None:
        return None

    def _check(self, device: str) -> None:
        if device not in {d.name for d in self.devices}:
            raise NoScanner.create(device=device)
