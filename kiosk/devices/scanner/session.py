"""One scanning batch: the driver feeds pages into the pipeline as they arrive.

The scanner reads on its device thread while the pipeline works on the previous page on its
own thread. A scanner error ends the batch but keeps every page read before it: the result
carries both the processed pages and the error, and the caller decides (the CLI writes the
partial PDF and reports). With a :class:`ScanHandler` (the UI implements it; devices never
open dialogs), a recoverable error (jam, cover open, empty feeder, busy) asks the clerk to
fix it and continue: the next pages are appended to the same component.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from kiosk.devices.pipeline.process import Component, PagePipeline, PipelineOptions
from kiosk.devices.scanner.errors import ScannerError
from kiosk.devices.scanner.protocol import (
    CancelToken,
    ProgressCallback,
    ScanDriver,
    ScanEnd,
    ScanOutcome,
    ScanPage,
    ScanSettings,
)

#: Errors the clerk can fix at the machine and then continue the same batch.
RECOVERABLE = frozenset({"paper_jam", "cover_open", "feeder_empty", "busy"})


class ScanHandler(Protocol):
    """Asks the clerk; implemented by kiosk/ui (a dialog) and by tests. Never called for
    errors outside :data:`RECOVERABLE`."""

    def ask_continue(self, error: ScannerError) -> bool:
        """Show ``error.message`` and ``error.hint``; True when the clerk fixed it and wants
        to go on scanning, False to stop with the pages so far."""
        ...


@dataclass
class BatchResult:
    component: Component
    outcome: ScanOutcome | None
    error: ScannerError | None

    @property
    def cancelled(self) -> bool:
        return self.outcome is not None and self.outcome.end is ScanEnd.CANCELLED


def scan_batch(
    driver: ScanDriver,
    device: str,
    settings: ScanSettings,
    *,
    options: PipelineOptions | None = None,
    cancel: CancelToken | None = None,
    on_progress: ProgressCallback | None = None,
    handler: ScanHandler | None = None,
    max_resumes: int = 10,
) -> BatchResult:
    with PagePipeline(options) as pipeline:

        def on_page(page: ScanPage) -> None:
            pipeline.submit(page.image, page.dpi, page.side)

        outcome: ScanOutcome | None = None
        error: ScannerError | None = None
        resumes = 0
        while True:
            try:
                outcome = driver.scan(device, settings, cancel=cancel,
                                      on_progress=on_progress, on_page=on_page)
                error = None
                break
            except ScannerError as exc:
                error = exc
                if (handler is None or exc.code not in RECOVERABLE
                        or resumes >= max_resumes or not handler.ask_continue(exc)):
                    break
                resumes += 1
        pages = pipeline.results()
    return BatchResult(Component(pages), outcome, error)
